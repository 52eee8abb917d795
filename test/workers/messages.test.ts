import { describe, expect, it } from 'vitest';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, fakeEnv } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

function messages(model: string, extra: Record<string, unknown> = {}) {
  return { model, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }], ...extra };
}

const callMessages = (body: unknown, env?: Record<string, unknown>) => callGateway({ path: '/v1/messages', body, env });

interface AnthropicEvent {
  event: string;
  data: any;
}

/** Reads an Anthropic SSE body: every frame is `event: <type>` then one `data:` line. */
async function readEvents(response: Response): Promise<AnthropicEvent[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null');
      expect(data.type).toBe(event);
      return { event, data };
    });
}

const textOf = (events: AnthropicEvent[]) =>
  events
    .filter((e) => e.data.delta?.type === 'text_delta')
    .map((e) => e.data.delta.text)
    .join('');

async function expectAnthropicError(response: Response, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as any;
  expect(body).toMatchObject({ type: 'error', error: { type } });
  expect(typeof body.error.message).toBe('string');
  expect(body.request_id).toBe(response.headers.get('request-id'));
  return body.error as { message: string; details: { error_code: string } };
}

describe('POST /v1/messages, streaming', () => {
  it.each([
    ['an OpenAI-dialect upstream', local],
    ['an Anthropic upstream', anthropic],
  ])('streams text from %s in the Messages format', async (_, address) => {
    const res = await callMessages(messages(address({ id: uniqueId('m-text'), tokens: 3 }), { stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await readEvents(res);
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]?.data.message).toMatchObject({ id: expect.stringMatching(/^msg_/), role: 'assistant' });
    expect(events[0]?.data.message.model).toMatch(/^(local|anthropic)\/fake;/);
    expect(textOf(events)).toBe('tok0 tok1 tok2 ');
    const delta = events.at(-2)?.data;
    expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    expect(delta.usage.output_tokens).toBe(3);
    expect(delta.usage.input_tokens).toBeGreaterThan(0);
  });

  it.each([
    ['an OpenAI-dialect upstream', local],
    ['an Anthropic upstream', anthropic],
  ])('streams a tool call from %s as a tool_use block', async (_, address) => {
    const tools = [{ name: TOOL_NAME, input_schema: { type: 'object' } }];
    const events = await readEvents(
      await callMessages(messages(address({ id: uniqueId('m-tool'), tool: 1 }), { stream: true, tools })),
    );
    const start = events.find((e) => e.event === 'content_block_start')?.data;
    expect(start.content_block).toMatchObject({ type: 'tool_use', name: TOOL_NAME, input: {} });
    const json = events
      .filter((e) => e.data.delta?.type === 'input_json_delta')
      .map((e) => {
        expect(e.data.index).toBe(start.index);
        return e.data.delta.partial_json;
      })
      .join('');
    expect(JSON.parse(json)).toEqual(JSON.parse(TOOL_ARGS));
    expect(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason).toBe('tool_use');
  });

  it('reports max_tokens when the provider stopped on length', async () => {
    const events = await readEvents(
      await callMessages(messages(local({ id: uniqueId('m-len'), tokens: 2, finish: 'length' }), { stream: true })),
    );
    expect(events.find((e) => e.event === 'message_delta')?.data.delta.stop_reason).toBe('max_tokens');
  });

  it.each([
    ['an OpenAI-dialect upstream', local, 'api_error'],
    ['an Anthropic upstream', anthropic, 'overloaded_error'],
  ])('ends with an error event when %s fails mid-stream', async (_, address, type) => {
    const res = await callMessages(
      messages(address({ id: uniqueId('m-err'), tokens: 5, error_after: 2 }), { stream: true }),
    );
    expect(res.status).toBe(200);
    const events = await readEvents(res);
    expect(textOf(events)).toBe('tok0 tok1 ');
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { type: 'error', error: { type } } });
    expect(events.some((e) => e.event === 'message_stop')).toBe(false);
  });

  it('probes a silent provider with pings, which Anthropic clients skip', async () => {
    const env = fakeEnv({ PREFILL_PROBE_MS: '20' });
    const res = await callMessages(
      messages(local({ id: uniqueId('m-probe'), ttft: 150, tokens: 2 }), { stream: true }),
      env,
    );
    const events = await readEvents(res);
    const first = events.findIndex((e) => e.event !== 'ping');
    expect(first).toBeGreaterThan(0);
    expect(events[first]?.event).toBe('message_start');
    expect(textOf(events)).toBe('tok0 tok1 ');
  });

  it('reports a cut upstream as an error, not a clean message_stop', async () => {
    const events = await readEvents(
      await callMessages(messages(local({ id: uniqueId('m-cut'), tokens: 4, reset_after: 2 }), { stream: true })),
    );
    expect(events.at(-1)?.event).toBe('error');
    expect(events.at(-1)?.data.error.details.error_code).toMatch(/^upstream_(truncated|unreachable)$/);
  });
});

describe('POST /v1/messages, not streaming', () => {
  it('answers with a message object', async () => {
    const res = await callMessages(messages(local({ id: uniqueId('m-json'), tokens: 2 })));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'tok0 tok1 ' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { output_tokens: 2 },
    });
    expect(body.id).toBe(`msg_${res.headers.get('x-request-id')}`);
  });

  it('serves the embedded simulator, capped by max_tokens', async () => {
    const body = (await (await callMessages(messages('sim/fast', { max_tokens: 4 }))).json()) as any;
    expect(body.content[0].text.split(' ')).toHaveLength(4);
    expect(body.stop_reason).toBe('max_tokens');
  });

  it('carries a tool_use / tool_result round trip through an Anthropic upstream', async () => {
    const id = uniqueId('m-round');
    const tools = [{ name: TOOL_NAME, description: 'Weather', input_schema: { type: 'object' } }];
    const first = (await (await callMessages(messages(anthropic({ id, tool: 1 }), { tools }))).json()) as any;
    const call = first.content.find((b: { type: string }) => b.type === 'tool_use');
    expect(call).toMatchObject({ name: TOOL_NAME, input: JSON.parse(TOOL_ARGS) });
    expect(first.stop_reason).toBe('tool_use');

    const res = await callMessages(
      messages(anthropic({ id, tokens: 1 }), {
        tools,
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18C' }] },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const sent = (await fakeLog(id)).lastBody as any;
    // Same dialect: the messages go upstream exactly as the client wrote them.
    expect(sent.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18C' }] },
    ]);
    expect(sent.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('sends system, sampling and stop sequences on to the provider', async () => {
    const id = uniqueId('m-req');
    await callMessages(
      messages(local({ id }), {
        system: 'Be brief.',
        temperature: 0.2,
        stop_sequences: ['END'],
        metadata: { user_id: 'u-1' },
      }),
    );
    expect((await fakeLog(id)).lastBody).toMatchObject({
      max_tokens: 256,
      temperature: 0.2,
      stop: ['END'],
      user: 'u-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
    });
  });
});

describe('POST /v1/messages errors, in Anthropic shape', () => {
  it('names a field the provider has no equivalent for, and the provider, before calling it', async () => {
    const id = uniqueId('m-unsupported');
    const error = await expectAnthropicError(
      await callMessages(messages(local({ id }), { container: 'container_1' })),
      400,
      'invalid_request_error',
    );
    expect(error.message).toContain("'container'");
    expect(error.message).toContain("'local'");
    expect(error.details.error_code).toBe('unsupported_parameter');
    expect((await fakeLog(id)).requests).toBe(0);
  });

  it('rejects a body that is not JSON, and a model not addressed as provider/model', async () => {
    await expectAnthropicError(
      await callGateway({ path: '/v1/messages', rawBody: '{"model":' }),
      400,
      'invalid_request_error',
    );
    await expectAnthropicError(await callMessages(messages('gpt-4o')), 400, 'invalid_request_error');
  });

  it('fails before the first token with the status and the mapped type', async () => {
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '0' });
    const failing = (status: number, extra: Record<string, number> = {}) =>
      callMessages(messages(local({ id: uniqueId(`m-${status}`), status, ...extra }), { stream: true }), env);
    await expectAnthropicError(await failing(500), 502, 'api_error');
    await expectAnthropicError(await failing(503), 503, 'overloaded_error');
    const limited = await failing(429, { retry_after: 3 });
    expect(limited.headers.get('retry-after')).toBe('3');
    await expectAnthropicError(limited, 429, 'rate_limit_error');
    const missing = await callMessages(messages(anthropic({ id: uniqueId('m-404'), status: 404 })), env);
    await expectAnthropicError(missing, 404, 'not_found_error');
  });
});
