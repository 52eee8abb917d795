import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/auth/api-key';
import { scenario, TOOL_ARGS, TOOL_NAME } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, fakeEnv, settledAfter } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const anthropic = (opts: Record<string, string | number>) => `anthropic/${scenario(opts)}`;

interface ResponsesEvent {
  event: string;
  data: any;
}

/** Reads a Responses SSE body: `event: <type>` then one `data:` line whose type matches. */
async function readEvents(response: Response): Promise<ResponsesEvent[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame && !frame.startsWith(':'))
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null');
      expect(data.type).toBe(event);
      return { event, data };
    });
}

/** Streams one request and checks the sequence numbers count up from 0 with no gap. */
async function stream(body: Record<string, unknown>, env?: Record<string, unknown>) {
  const res = await callGateway({ path: '/v1/responses', body: { ...body, stream: true }, env });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const events = await readEvents(res);
  expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
  return events;
}

const types = (events: ResponsesEvent[]) => events.map((e) => e.event);
const deltas = (events: ResponsesEvent[], type: string) =>
  events
    .filter((e) => e.event === type)
    .map((e) => e.data.delta)
    .join('');

describe('POST /v1/responses, streaming', () => {
  it.each([
    ['an OpenAI-dialect upstream', local],
    ['an Anthropic upstream', anthropic],
  ])('streams text from %s as Responses events, in order', async (_, address) => {
    const events = await stream({ model: address({ id: uniqueId('r-text'), tokens: 3 }), input: 'Hello' });
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const created = events[0]?.data.response;
    expect(created).toMatchObject({ object: 'response', status: 'in_progress', output: [], store: true });
    expect(created.id).toMatch(/^resp_/);
    expect(deltas(events, 'response.output_text.delta')).toBe('tok0 tok1 tok2 ');
    expect(events.find((e) => e.event === 'response.output_text.done')?.data.text).toBe('tok0 tok1 tok2 ');
    const done = events.at(-1)?.data.response;
    expect(done.id).toBe(created.id);
    expect(done.status).toBe('completed');
    expect(done.output).toEqual([
      {
        type: 'message',
        id: expect.stringMatching(/^msg_/),
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: 'tok0 tok1 tok2 ', annotations: [], logprobs: [] }],
      },
    ]);
    expect(done.usage.output_tokens).toBe(3);
    expect(done.usage.input_tokens).toBeGreaterThan(0);
    expect(done.usage.total_tokens).toBe(done.usage.input_tokens + 3);
  });

  it.each([
    ['an OpenAI-dialect upstream', local],
    ['an Anthropic upstream', anthropic],
  ])('streams a function call from %s', async (_, address) => {
    const tools = [{ type: 'function', name: TOOL_NAME, parameters: { type: 'object' }, strict: false }];
    const events = await stream({ model: address({ id: uniqueId('r-tool'), tool: 1 }), input: 'Weather?', tools });
    const added = events.find((e) => e.event === 'response.output_item.added')?.data;
    expect(added.item).toMatchObject({ type: 'function_call', name: TOOL_NAME, arguments: '', status: 'in_progress' });
    expect(JSON.parse(deltas(events, 'response.function_call_arguments.delta'))).toEqual(JSON.parse(TOOL_ARGS));
    const argsDone = events.find((e) => e.event === 'response.function_call_arguments.done')?.data;
    expect(argsDone).toMatchObject({ item_id: added.item.id, name: TOOL_NAME, output_index: 0 });
    expect(JSON.parse(argsDone.arguments)).toEqual(JSON.parse(TOOL_ARGS));
    const done = events.at(-1)?.data.response;
    expect(done.status).toBe('completed');
    expect(done.output[0]).toMatchObject({ type: 'function_call', call_id: added.item.call_id, status: 'completed' });
  });

  it('ends a length-capped reply as incomplete (max_output_tokens), never completed', async () => {
    const events = await stream({
      model: local({ id: uniqueId('r-len'), tokens: 2, finish: 'length' }),
      input: 'Hello',
      max_output_tokens: 16,
    });
    expect(events.at(-1)?.event).toBe('response.incomplete');
    expect(events.at(-1)?.data.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    expect(events.find((e) => e.event === 'response.output_item.done')?.data.item.status).toBe('incomplete');
  });

  it('ends a guard block as incomplete (content_filter)', async () => {
    const guard = { rules: [{ id: 'secret', kind: 'phrase', phrases: ['launch code'], action: 'block' }] };
    const env = fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ pipeline: { guard } }) });
    const text = 'Well, the launch code is 0000.';
    const events = await stream({ model: local({ id: uniqueId('r-guard'), text }), input: 'Hello' }, env);
    expect(events.at(-1)?.data.response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
    });
    expect(deltas(events, 'response.output_text.delta')).toBe('Well, the ');
  });

  it.each([
    ['fails mid-stream', { tokens: 5, error_after: 2 }],
    ['is cut off', { tokens: 4, reset_after: 2 }],
  ])('says response.failed, then error, when the provider %s', async (_, opts) => {
    const events = await stream({ model: local({ id: uniqueId('r-fail'), ...opts }), input: 'Hello' });
    expect(deltas(events, 'response.output_text.delta')).toBe('tok0 tok1 ');
    expect(types(events).slice(-2)).toEqual(['response.failed', 'error']);
    expect(events.at(-2)?.data.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(events.at(-1)?.data.code).toMatch(/^upstream_/);
    expect(types(events)).not.toContain('response.completed');
  });
});

describe('POST /v1/responses, not streaming', () => {
  it('answers with one response object', async () => {
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: local({ id: uniqueId('r-once'), tokens: 2 }), input: 'Hello', metadata: { app: 'test' } },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({
      object: 'response',
      status: 'completed',
      metadata: { app: 'test' },
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'tok0 tok1 ' }] }],
      usage: { output_tokens: 2 },
    });
  });
});

describe('POST /v1/responses on the built-in simulator', () => {
  it('ends a capped reply as incomplete, with its text', async () => {
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: 'sim/default', input: 'Hello', max_output_tokens: 16 },
    });
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(body.output[0].content[0].text.split(' ').filter(Boolean)).toHaveLength(16);
  });
});

describe('POST /v1/responses, what reaches the provider', () => {
  it('sends reasoning.effort, max_output_tokens, sampling and tool settings in the chat dialect', async () => {
    const id = uniqueId('r-fields');
    const res = await callGateway({
      path: '/v1/responses',
      body: {
        model: local({ id, tokens: 1 }),
        input: 'Hi',
        reasoning: { effort: 'low' },
        max_output_tokens: 32,
        temperature: 0.2,
        top_p: 0.5,
        tools: [{ type: 'function', name: TOOL_NAME, parameters: { type: 'object' }, strict: false }],
        tool_choice: 'required',
        parallel_tool_calls: false,
        text: { format: { type: 'json_object' } },
        truncation: 'disabled',
        include: ['reasoning.encrypted_content'],
      },
    });
    expect(res.status).toBe(200);
    expect((await fakeLog(id)).lastBody).toMatchObject({
      reasoning_effort: 'low',
      max_tokens: 32,
      temperature: 0.2,
      top_p: 0.5,
      tools: [{ type: 'function', function: { name: TOOL_NAME } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      response_format: { type: 'json_object' },
    });
  });

  it('refuses, in the OpenAI shape and naming the Responses field, what a provider cannot do', async () => {
    const res = await callGateway({
      path: '/v1/responses',
      body: {
        model: anthropic({ id: uniqueId('r-nofmt') }),
        input: 'Hi',
        text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } },
      },
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string; message: string; type: string } };
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'text.format' });
    expect(error.message).toContain("'text.format'");
  });

  it('refuses a hosted tool by its type and the provider', async () => {
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: local({ id: uniqueId('r-hosted') }), input: 'Hi', tools: [{ type: 'web_search' }] },
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string; message: string } };
    expect(error.param).toBe('tools[0].type');
    expect(error.message).toMatch(/'web_search'.*'local'/);

    const id = uniqueId('r-drop');
    const dropped = await callGateway({
      path: '/v1/responses',
      body: {
        model: local({ id, tokens: 1 }),
        input: 'Hi',
        tools: [{ type: 'web_search' }, { type: 'function', name: TOOL_NAME, strict: false }],
      },
      headers: { 'x-infe-drop-unsupported-tools': 'true' },
    });
    expect(dropped.status).toBe(200);
    expect(dropped.headers.get('x-infe-dropped-params')).toBe('tools[0] (web_search)');
    expect((await fakeLog(id)).lastBody).toMatchObject({ tools: [{ function: { name: TOOL_NAME } }] });
  });
});

/** A deployed gateway (no local mode) where the test's keys are the only callers. */
const deployed = () => fakeEnv({ INSECURE_LOCAL_MODE: undefined });

async function createKey(): Promise<string> {
  const key = `sk-infe-test-${crypto.randomUUID()}`;
  await env.DB.prepare('INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)')
    .bind(uniqueId('key'), 'test', await hashKey(key), Date.now())
    .run();
  return key;
}

/** Calls as one key and waits for the request's waitUntil work (the stored response) to land. */
async function callAs(key: string, path: string, body?: unknown, method?: string) {
  const res = await callGateway({
    path,
    body,
    method,
    env: deployed(),
    headers: { authorization: `Bearer ${key}` },
  });
  const text = await res.text();
  await settledAfter(res);
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe('stored responses', () => {
  it('are readable, continuable and deletable only by the key that created them', async () => {
    const [owner, other] = [await createKey(), await createKey()];
    const created = await callAs(owner, '/v1/responses', {
      model: local({ id: uniqueId('r-own'), tokens: 2 }),
      input: 'Hi',
    });
    const id = created.json.id as string;
    for (const [path, method, body] of [
      [`/v1/responses/${id}`, 'GET', undefined],
      [`/v1/responses/${id}/input_items`, 'GET', undefined],
      [`/v1/responses/${id}?stream=true&starting_after=0`, 'GET', undefined],
      [`/v1/responses/${id}/cancel`, 'POST', {}],
      [`/v1/responses/${id}`, 'DELETE', undefined],
      ['/v1/responses', 'POST', { model: local({ id: uniqueId('r-steal') }), input: 'Hi', previous_response_id: id }],
    ] as const) {
      const res = await callAs(other, path, body, method);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.type).toBe('not_found_error');
    }
    const read = await callAs(owner, `/v1/responses/${id}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
    const items = await callAs(owner, `/v1/responses/${id}/input_items`);
    expect(items.json).toMatchObject({ object: 'list', has_more: false, data: [{ type: 'message', role: 'user' }] });
    expect((await callAs(owner, `/v1/responses/${id}`, undefined, 'DELETE')).json).toEqual({
      id,
      object: 'response',
      deleted: true,
    });
    expect((await callAs(owner, `/v1/responses/${id}`)).status).toBe(404);
  });

  it('are not kept with store: false', async () => {
    const key = await createKey();
    const created = await callAs(key, '/v1/responses', {
      model: local({ id: uniqueId('r-nostore'), tokens: 1 }),
      input: 'Hi',
      store: false,
    });
    expect(created.json.store).toBe(false);
    expect((await callAs(key, `/v1/responses/${created.json.id}`)).status).toBe(404);
  });

  it('keep a streamed response once its stream ends, and chain it with previous_response_id', async () => {
    const key = await createKey();
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: local({ id: uniqueId('r-s1'), text: 'first answer' }), input: 'Q1', stream: true },
      env: deployed(),
      headers: { authorization: `Bearer ${key}` },
    });
    const events = await readEvents(res);
    await settledAfter(res);
    const streamed = events.at(-1)?.data.response;
    const stored = await callAs(key, `/v1/responses/${streamed.id}`);
    expect(stored.json.output).toEqual(streamed.output);
    const next = uniqueId('r-s2');
    await callAs(key, '/v1/responses', {
      model: local({ id: next, tokens: 1 }),
      input: 'Q2',
      previous_response_id: streamed.id,
    });
    const sent = (await fakeLog(next)).lastBody as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Q1' }] },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'Q2' },
    ]);
  });

  it('conversations are visible only to the key that created them', async () => {
    const [owner, other] = [await createKey(), await createKey()];
    const created = await callAs(owner, '/v1/conversations', { items: [{ role: 'user', content: 'Hi' }] });
    const id = created.json.id as string;
    expect(id).toMatch(/^conv_/);
    for (const [path, method, body] of [
      [`/v1/conversations/${id}`, 'GET', undefined],
      [`/v1/conversations/${id}/items`, 'GET', undefined],
      [`/v1/conversations/${id}/items`, 'POST', { items: [{ role: 'user', content: 'x' }] }],
      [`/v1/conversations/${id}`, 'DELETE', undefined],
      ['/v1/responses', 'POST', { model: local({ id: uniqueId('r-conv-steal') }), input: 'Hi', conversation: id }],
    ] as const) {
      const res = await callAs(other, path, body, method);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const items = await callAs(owner, `/v1/conversations/${id}/items`);
    expect(items.json.data).toHaveLength(1);
  });

  it('refuses conversation together with previous_response_id', async () => {
    const res = await callGateway({
      path: '/v1/responses',
      body: { model: 'sim/default', input: 'Hi', conversation: 'conv_x', previous_response_id: 'resp_x' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('conversation');
  });
});
