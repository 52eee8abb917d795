import { describe, expect, it } from 'vitest';
import anthropicFidelity from '../fixtures/anthropic-fidelity.sse?raw';
import openaiFidelity from '../fixtures/openai-fidelity.sse?raw';
import { anthropic, local, recordFor } from '../reliability/support';
import { uniqueId } from '../support/fake-control';
import { anthropicRewrites, openAIChunks, openAIRewrites, sseData } from '../support/fidelity';
import { callGateway, chat, fakeEnv } from './gateway';

/** A guard that redacts a word both fixtures' answers contain: the stage changes that text and nothing else. */
const guarded = fakeEnv({
  GATEWAY_CONFIG: JSON.stringify({
    pipeline: { guard: { rules: [{ id: 'city', kind: 'phrase', phrases: ['東京', 'Paris'], action: 'redact' }] } },
  }),
});

const messagesBody = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  ...extra,
});

describe('response fidelity over HTTP: the client gets every field its own dialect carried', () => {
  // chunk=1: the fake writes the stream a byte per TCP segment; chunk=5: pieces across every boundary.
  for (const chunk of [1, 5]) {
    it(`OpenAI → OpenAI (upstream written ${chunk} byte(s) at a time): each chunk deep-equal but for the documented rewrites`, async () => {
      const res = await callGateway({
        body: chat(local({ id: uniqueId('fid-oai'), replay: 'openai-fidelity', chunk }), {
          stream: true,
          stream_options: { include_usage: true },
        }),
      });
      expect(res.status).toBe(200);
      const received = openAIChunks(await res.text()).map(openAIRewrites);
      expect(received).toEqual(sseData(openaiFidelity).map(openAIRewrites));
    });

    it(`Anthropic → Anthropic (upstream written ${chunk} byte(s) at a time): each event deep-equal but for the documented rewrites`, async () => {
      const res = await callGateway({
        path: '/v1/messages',
        body: messagesBody(anthropic({ id: uniqueId('fid-ant'), replay: 'anthropic-fidelity', chunk }), {
          stream: true,
        }),
      });
      expect(res.status).toBe(200);
      expect(anthropicRewrites(sseData(await res.text()))).toEqual(anthropicRewrites(sseData(anthropicFidelity)));
    });
  }

  it('OpenAI non-streaming: per-choice messages with refusal, logprobs, annotations, audio, reasoning and usage details', async () => {
    const res = await callGateway({ body: chat(local({ id: uniqueId('fid-oai-json'), replay: 'openai-fidelity' })) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      system_fingerprint: 'fp_f1',
      service_tier: 'default',
      x_groq: { id: 'req_01fake', usage: { queue_time: 0.01 } },
      usage: {
        prompt_tokens: 20,
        completion_tokens: 9,
        total_tokens: 29,
        prompt_tokens_details: { cached_tokens: 12 },
        completion_tokens_details: { reasoning_tokens: 4 },
        cost: 0.00012,
      },
    });
    const [first, second] = body.choices;
    expect(body.choices).toHaveLength(2);
    expect(first).toMatchObject({
      index: 0,
      finish_reason: 'stop',
      stop_reason: 'END',
      message: {
        role: 'assistant',
        content: 'Grüße 東京',
        refusal: null,
        reasoning: 'Think',
        reasoning_details: [{ type: 'reasoning.text', text: 'Think' }],
        annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.com/a' } }],
        audio: { id: 'audio_01', data: 'UklG', transcript: 'Grüße', expires_at: 1730003600 },
      },
    });
    expect(first.logprobs.content.map((entry: { token: string }) => entry.token)).toEqual(['Grüße', ' 東京']);
    expect(second).toMatchObject({
      index: 1,
      finish_reason: 'content_filter',
      message: { content: null, refusal: "I can't help with that." },
      logprobs: { refusal: [{ token: 'I' }] },
    });
  });

  it('Anthropic non-streaming: signatures, redacted thinking, server tools, citations, stop sequence, cache usage', async () => {
    const res = await callGateway({
      path: '/v1/messages',
      body: messagesBody(anthropic({ id: uniqueId('fid-ant-json'), replay: 'anthropic-fidelity' })),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.content).toEqual([
      {
        type: 'thinking',
        thinking: 'Let me look it up.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
      },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
      { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'weather in Paris' } },
      expect.objectContaining({ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01' }),
      {
        type: 'text',
        text: 'Sunny in Paris 🌞.',
        citations: [expect.objectContaining({ type: 'web_search_result_location', cited_text: 'Sunny, 24°C' })],
      },
    ]);
    expect(body).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    expect(body.usage).toEqual({
      input_tokens: 10,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 100,
      output_tokens: 42,
      server_tool_use: { web_search_requests: 1 },
    });
  });

  it('Anthropic upstream → OpenAI client: cache reads become cached_tokens, prompt_tokens counts every input token', async () => {
    const res = await callGateway({
      body: chat(anthropic({ id: uniqueId('fid-x-oai'), replay: 'anthropic-fidelity' }), {
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    const chunks = openAIChunks(await res.text());
    expect(chunks.at(-1)?.usage).toEqual({
      prompt_tokens: 115,
      completion_tokens: 42,
      total_tokens: 157,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Sunny in Paris 🌞.');
    // No Anthropic-only residue (signatures, server-tool blocks) leaks into OpenAI chunks.
    expect(JSON.stringify(chunks)).not.toContain('signature');
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
  });

  it('OpenAI upstream → Anthropic client: a refusal is a refusal stop, cached tokens become cache reads', async () => {
    const res = await callGateway({
      path: '/v1/messages',
      body: messagesBody(local({ id: uniqueId('fid-x-ant'), replay: 'openai-refusal' })),
    });
    const body = (await res.json()) as any;
    expect(body.content).toEqual([{ type: 'text', text: "I'm sorry, I can't help with that." }]);
    expect(body.stop_reason).toBe('refusal');
    expect(body.usage).toEqual({ input_tokens: 11, output_tokens: 8, cache_read_input_tokens: 0 });
  });

  it('the structured stage reports a refusal as a refusal, not as invalid JSON, to the client and the log', async () => {
    const model = local({ id: uniqueId('fid-struct-ref'), replay: 'openai-refusal' });
    const res = await callGateway({
      body: chat(model, {
        stream: true,
        response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object' } } },
      }),
      headers: { 'x-infe-annotations': '1' },
    });
    const verdict = sseData(await res.text()).find((chunk) => chunk.infe?.type === 'structured-result')?.infe;
    expect(verdict).toEqual({
      type: 'structured-result',
      valid: false,
      errors: [],
      stoppedEarly: false,
      refusal: true,
    });
    expect((await recordFor(model)).structured).toMatchObject({ valid: false, refusal: true, errors: [] });
  });

  it('logs a refusal as one, and every usage count the provider reported (none it did not)', async () => {
    const refusal = local({ id: uniqueId('fid-log-ref'), replay: 'openai-refusal' });
    await (await callGateway({ body: chat(refusal, { stream: true }) })).text();
    const refused = await recordFor(refusal);
    expect(refused.refused).toBe(true);
    expect(refused.tokens).toEqual({ input: 11, output: 8, cachedInput: 0, reasoning: 0, estimated: false });

    const cached = anthropic({ id: uniqueId('fid-log-cache'), replay: 'anthropic-fidelity' });
    await (await callGateway({ body: chat(cached, { stream: true }) })).text();
    const record = await recordFor(cached);
    expect(record.refused).toBeUndefined();
    expect(record.tokens).toEqual({
      input: 115,
      output: 42,
      cachedInput: 100,
      cacheCreationInput: 5,
      estimated: false,
    });
  });

  it('with the guard redacting text, OpenAI extras still all arrive and only the content changes', async () => {
    const res = await callGateway({
      body: chat(local({ id: uniqueId('fid-oai-guard'), replay: 'openai-fidelity', chunk: 3 }), {
        stream: true,
        stream_options: { include_usage: true },
      }),
      env: guarded,
    });
    const chunks = openAIChunks(await res.text());
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('Grüße [REDACTED:city]');
    const all = JSON.stringify(chunks);
    const expected = sseData(openaiFidelity);
    const tokens = chunks.flatMap((chunk) => chunk.choices.flatMap((c: any) => c.logprobs?.content ?? []));
    expect(tokens.map((entry: { token: string }) => entry.token)).toEqual(['Grüße', ' 東京']);
    for (const field of ['reasoning_details', 'annotations', 'audio', 'x_groq', 'stop_reason', 'cached_tokens']) {
      expect(all, field).toContain(`"${field}"`);
    }
    expect(chunks.at(-1)?.usage).toEqual(expected.at(-1)?.usage);
    expect(chunks.flatMap((chunk) => chunk.choices.map((c: any) => c.delta.refusal ?? '')).join('')).toBe(
      "I can't help with that.",
    );
  });

  it('with the guard redacting text, Anthropic signatures, citations and server-tool blocks still arrive', async () => {
    const res = await callGateway({
      path: '/v1/messages',
      body: messagesBody(anthropic({ id: uniqueId('fid-ant-guard'), replay: 'anthropic-fidelity', chunk: 3 }), {
        stream: true,
      }),
      env: guarded,
    });
    const events = sseData(await res.text());
    const deltas = events.filter((event) => event.type === 'content_block_delta').map((event) => event.delta);
    expect(
      deltas
        .filter((delta) => delta.type === 'text_delta')
        .map((delta) => delta.text)
        .join(''),
    ).toBe('Sunny in [REDACTED:city] 🌞.');
    expect(deltas.map((delta) => delta.type)).toEqual(
      expect.arrayContaining(['signature_delta', 'citations_delta', 'input_json_delta']),
    );
    const blocks = events
      .filter((event) => event.type === 'content_block_start')
      .map((event) => event.content_block.type);
    expect(blocks).toEqual(
      expect.arrayContaining(['thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result', 'text']),
    );
    // Every delta lands in a block that is open: started before it, not yet stopped.
    const open = new Set<number>();
    for (const event of events) {
      if (event.type === 'content_block_start') open.add(event.index);
      if (event.type === 'content_block_stop') open.delete(event.index);
      if (event.type === 'content_block_delta') expect(open.has(event.index), JSON.stringify(event)).toBe(true);
    }
  });
});
