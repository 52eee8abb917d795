import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import responsesFidelity from '../fixtures/responses-fidelity.sse?raw';
import { fakeLog, uniqueId } from '../support/fake-control';
import { responsesRewrites, sseData } from '../support/fidelity';
import { callGateway, fakeEnv, settledAfter } from './gateway';

/** The fake as a `local` provider that serves the Responses API itself. */
const passthrough = (overrides: Record<string, unknown> = {}) => fakeEnv({ LOCAL_RESPONSES_API: 'true', ...overrides });
const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const guarded = (action: 'redact' | 'block') =>
  passthrough({
    GATEWAY_CONFIG: JSON.stringify({
      pipeline: { guard: { rules: [{ id: 'city', kind: 'phrase', phrases: ['Paris'], action }] } },
    }),
  });

async function post(body: Record<string, unknown>, env = passthrough()) {
  const res = await callGateway({ path: '/v1/responses', body, env });
  expect(res.status).toBe(200);
  return res;
}

describe('POST /v1/responses passed through to a provider that serves it', () => {
  for (const chunk of [1, 7]) {
    it(`relays a real-shaped stream written ${chunk} byte(s) at a time: deep-equal but for the documented rewrites`, async () => {
      const res = await post({
        model: local({ id: uniqueId('rp-fid'), replay: 'responses-fidelity', chunk }),
        input: 'Weather in Paris?',
        stream: true,
      });
      expect(responsesRewrites(sseData(await res.text()))).toEqual(responsesRewrites(sseData(responsesFidelity)));
    });
  }

  it("non-streaming: the upstream's final response object, deep-equal but for the documented rewrites", async () => {
    const res = await post({ model: local({ id: uniqueId('rp-json'), replay: 'responses-fidelity' }), input: 'Hi' });
    const body = (await res.json()) as Record<string, unknown>;
    const completed = sseData(responsesFidelity).at(-1);
    expect(responsesRewrites([{ response: body }])).toEqual(responsesRewrites([{ response: completed?.response }]));
    expect(body).toMatchObject({ store: true, status: 'completed' });
  });

  it('sends the request as the client sent it, to /responses, with Infe keeping the state', async () => {
    const id = uniqueId('rp-body');
    const body = {
      model: local({ id, tokens: 2 }),
      input: 'Hello',
      instructions: 'Be brief.',
      reasoning: { effort: 'low', summary: 'auto' },
      metadata: { team: 'a' },
      prompt_cache_key: 'k1',
      service_tier: 'flex',
      include: ['reasoning.encrypted_content'],
      client_metadata: { thread: 't1' },
      infe: { cache_prefix: true },
      stream: true,
    };
    await (await post(body)).text();
    const { infe: _gateway, client_metadata: _telemetry, ...sent } = body;
    expect((await fakeLog(id)).lastBody).toEqual({ ...sent, model: scenario({ id, tokens: 2 }), store: false });
  });

  it('the opt-in drop of hosted tools holds on the passthrough too, as x-infe-dropped-params says', async () => {
    const id = uniqueId('rp-tools');
    const fn = { type: 'function', name: 'get_weather', parameters: { type: 'object' } };
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: local({ id, tokens: 1 }), input: 'Hi', tools: [{ type: 'web_search' }, fn] },
      env: passthrough(),
      headers: { 'x-infe-drop-unsupported-tools': 'true' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-infe-dropped-params')).toBe('tools[0] (web_search)');
    expect(((await fakeLog(id)).lastBody as { tools: unknown[] }).tools).toEqual([fn]);
  });

  it('continues a chain: the upstream gets the stored context as input, never a previous_response_id', async () => {
    const id = uniqueId('rp-chain');
    const first = await post({ model: local({ id, text: 'Hi there' }), input: 'Hello' });
    const firstId = ((await first.json()) as { id: string }).id;
    await settledAfter(first);
    const second = await post({ model: local({ id, text: 'Again' }), input: 'More', previous_response_id: firstId });
    expect(await second.json()).toMatchObject({ previous_response_id: firstId, status: 'completed' });
    const sent = (await fakeLog(id)).lastBody as Record<string, unknown>;
    expect(sent.previous_response_id).toBeUndefined();
    expect(sent.store).toBe(false);
    expect(JSON.stringify(sent.input)).toContain('Hi there');
    expect((sent.input as unknown[]).at(-1)).toEqual({ type: 'message', role: 'user', content: 'More' });
  });

  it('still runs the guard: a redaction reaches the deltas, the done events and the final response', async () => {
    const res = await post(
      { model: local({ id: uniqueId('rp-guard'), replay: 'responses-fidelity' }), input: 'Hi', stream: true },
      guarded('redact'),
    );
    const events = sseData(await res.text());
    const message = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    expect(message).not.toContain('Paris');
    expect(message).toContain('東京');
    const done = events.find((e) => e.type === 'response.output_text.done');
    expect(done?.text).toBe(message);
    const completed = events.at(-1);
    expect(completed?.type).toBe('response.completed');
    expect(JSON.stringify(completed?.response.output)).not.toContain('aus Paris');
  });

  it('a prompt the input guard redacted goes translated: the body as sent would carry what was redacted', async () => {
    const id = uniqueId('rp-input');
    const res = await post(
      { model: local({ id, tokens: 2 }), input: 'Weather in Paris?', stream: true },
      guarded('redact'),
    );
    expect(sseData(await res.text()).at(-1)?.type).toBe('response.completed');
    const sent = (await fakeLog(id)).lastBody as Record<string, unknown>;
    expect(sent.input).toBeUndefined();
    expect(JSON.stringify(sent.messages)).toContain('Weather in');
    expect(JSON.stringify(sent)).not.toContain('Paris');
  });

  it('falls back from a passthrough provider to a translated one before the first token', async () => {
    const alias = uniqueId('rp-fallback');
    const failing = uniqueId('rp-fail');
    const targets = [
      local({ id: failing, status: 503 }),
      `anthropic/${scenario({ id: uniqueId('rp-ant'), tokens: 2 })}`,
    ];
    const env = passthrough({
      UPSTREAM_MAX_RETRIES: '0',
      GATEWAY_CONFIG: JSON.stringify({ aliases: { [alias]: { targets } } }),
    });
    const events = sseData(await (await post({ model: alias, input: 'Hi', stream: true }, env)).text());
    expect((await fakeLog(failing)).lastBody).toMatchObject({ input: 'Hi', store: false });
    expect(events.map((e) => e.type)).toContain('response.output_text.delta');
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { model: alias } });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it('a guard block ends the passed-through response as incomplete, never completed', async () => {
    const res = await post(
      { model: local({ id: uniqueId('rp-block'), replay: 'responses-fidelity' }), input: 'Hi', stream: true },
      guarded('block'),
    );
    const events = sseData(await res.text());
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'content_filter' } },
    });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it('a stream the upstream cuts short ends as failed', async () => {
    const res = await post({
      model: local({ id: uniqueId('rp-cut'), tokens: 4, no_finish: 1 }),
      input: 'Hi',
      stream: true,
    });
    const events = sseData(await res.text());
    expect(events.map((e) => e.type).slice(-2)).toEqual(['response.failed', 'error']);
  });
});
