import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv, readSse, settledAfter } from './gateway';
import { createSession, parseSessionSse, post } from './session-client';

const admin = { ADMIN_API_KEY: 'admin-secret' };
const PROMPT = [{ role: 'user', content: 'Hello' }];
/** The fake provider counts a prompt as the JSON of its messages at 4 characters a token. */
const PROMPT_TOKENS = Math.ceil(JSON.stringify(PROMPT).length / 4);
/** USD per million tokens, as GATEWAY_CONFIG.prices takes them. */
const PRICE = { input: 3, cached_input: 0.3, output: 15 };

/** An env whose fake models in `priced` cost PRICE. */
function pricedEnv(priced: string[], overrides: Record<string, unknown> = {}) {
  const prices = Object.fromEntries(priced.map((model) => [model, PRICE]));
  return fakeEnv({ ...admin, GATEWAY_CONFIG: JSON.stringify({ prices }), ...overrides });
}

/** The hand computation: uncached prompt at input, cache reads at their price, every output token at output. */
const handCost = (prompt: number, cached: number, output: number) =>
  ((prompt - cached) * PRICE.input + cached * PRICE.cached_input + output * PRICE.output) / 1e6;

/** The JSON of every `data:` line of an SSE body whose frames may open with an `event:` line. */
const dataOf = (text: string) =>
  text
    .split('\n\n')
    .map((frame) => /^data: (\{.*)$/m.exec(frame)?.[1])
    .filter((data): data is string => data !== undefined)
    .map((data) => JSON.parse(data));

async function recordOf(res: Response, env: Record<string, unknown>, model: string): Promise<RequestLogRecord> {
  await settledAfter(res);
  const id = res.headers.get('x-request-id');
  const path = `/v1/logs?model=${encodeURIComponent(model)}`;
  const logs = await callGateway({ path, env, headers: { authorization: 'Bearer admin-secret' } });
  const { data } = (await logs.json()) as { data: RequestLogRecord[] };
  const record = data.find((row) => row.requestId === id);
  if (!record) throw new Error(`no log record for ${id}`);
  return record;
}

describe('cost per request, from the usage each dialect reports', () => {
  it('OpenAI stream: cached input at its own price, reasoning inside output, usage.cost equal to the record', async () => {
    const model = `local/${scenario({ id: uniqueId('cost-oa'), tokens: 5, cached: 4, reasoning: 2 })}`;
    const env = pricedEnv([model]);
    const res = await callGateway({
      body: { model, messages: PROMPT, stream: true, stream_options: { include_usage: true } },
      env,
    });
    const usage = (await readSse(res)).find((frame) => frame.json?.usage)?.json.usage;
    const record = await recordOf(res, env, model);
    expect(record.tokens).toMatchObject({ input: PROMPT_TOKENS, output: 5, cachedInput: 4, reasoning: 2 });
    expect(record.cost).toEqual({ usd: expect.any(Number), estimated: false });
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 4, 5), 12);
    expect(usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 5, cost: record.cost?.usd });
    expect(usage.completion_tokens_details.reasoning_tokens).toBe(2);
  });

  it('OpenAI non-streaming: the completion carries usage.cost', async () => {
    const model = `local/${scenario({ id: uniqueId('cost-oa-json'), tokens: 3, cached: 2 })}`;
    const env = pricedEnv([model]);
    const res = await callGateway({ body: { model, messages: PROMPT }, env });
    const body = (await res.json()) as { usage: Record<string, number> };
    const record = await recordOf(res, env, model);
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 2, 3), 12);
    expect(body.usage.cost).toBe(record.cost?.usd);
  });

  it('Anthropic upstream through /v1/messages: cache reads priced apart, message_delta usage.cost', async () => {
    const model = `anthropic/${scenario({ id: uniqueId('cost-an'), tokens: 4, cached: 3 })}`;
    const env = pricedEnv([model]);
    const res = await callGateway({
      path: '/v1/messages',
      body: { model, max_tokens: 64, messages: PROMPT, stream: true },
      env,
    });
    const delta = dataOf(await res.text()).find((event) => event.type === 'message_delta');
    const record = await recordOf(res, env, model);
    expect(record.tokens).toMatchObject({ input: PROMPT_TOKENS, output: 4, cachedInput: 3 });
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 3, 4), 12);
    expect(delta.usage).toMatchObject({ cache_read_input_tokens: 3, output_tokens: 4, cost: record.cost?.usd });
  });

  it("Anthropic upstream, non-streaming /v1/messages and an OpenAI client: each usage carries the record's cost", async () => {
    const model = `anthropic/${scenario({ id: uniqueId('cost-an-x'), tokens: 2, cached: 1 })}`;
    const env = pricedEnv([model]);
    const message = await callGateway({ path: '/v1/messages', body: { model, max_tokens: 64, messages: PROMPT }, env });
    const { usage } = (await message.json()) as { usage: Record<string, unknown> };
    const completion = await callGateway({ body: { model, messages: PROMPT }, env });
    const openai = ((await completion.json()) as { usage: Record<string, unknown> }).usage;
    const fromMessages = await recordOf(message, env, model);
    const fromChat = await recordOf(completion, env, model);
    expect(fromMessages.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 1, 2), 12);
    expect(usage).toMatchObject({ input_tokens: PROMPT_TOKENS - 1, cache_read_input_tokens: 1, output_tokens: 2 });
    expect(usage.cost).toBe(fromMessages.cost?.usd);
    // Translated to Anthropic, the prompt's content is a list of blocks: more characters, more tokens.
    const prompt = fromChat.tokens.input ?? 0;
    expect(fromChat.cost?.usd).toBeCloseTo(handCost(prompt, 1, 2), 12);
    expect(openai).toMatchObject({ prompt_tokens: prompt, prompt_tokens_details: { cached_tokens: 1 } });
    expect(openai.cost).toBe(fromChat.cost?.usd);
  });

  it('/v1/responses: the final response usage carries cost', async () => {
    const model = `local/${scenario({ id: uniqueId('cost-rs'), tokens: 3, reasoning: 1 })}`;
    const env = pricedEnv([model]);
    const res = await callGateway({ path: '/v1/responses', body: { model, input: 'Hello', stream: false }, env });
    const body = (await res.json()) as { usage: Record<string, unknown> };
    const record = await recordOf(res, env, model);
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 0, 3), 12);
    expect(body.usage).toMatchObject({ output_tokens: 3, cost: record.cost?.usd });
  });

  for (const stream of [true, false]) {
    it(`/v1/responses passed through (stream: ${stream}): the upstream's final usage gains cost`, async () => {
      const model = `local/${scenario({ id: uniqueId('cost-rp'), tokens: 3, cached: 1 })}`;
      const env = pricedEnv([model], { LOCAL_RESPONSES_API: 'true' });
      const res = await callGateway({ path: '/v1/responses', body: { model, input: 'Hello', stream }, env });
      const final = stream
        ? dataOf(await res.text()).find((event) => event?.type === 'response.completed').response
        : await res.json();
      const record = await recordOf(res, env, model);
      // The Responses input is the bare string: the fake counts its JSON.
      const prompt = Math.ceil(JSON.stringify('Hello').length / 4);
      expect(record.cost?.usd).toBeCloseTo(handCost(prompt, 1, 3), 12);
      expect(final.usage).toMatchObject({
        input_tokens: prompt,
        input_tokens_details: { cached_tokens: 1 },
        cost: record.cost?.usd,
      });
    });
  }

  it('a provider that reports no usage: the cost is an estimate, flagged so', async () => {
    const model = `local/${scenario({ id: uniqueId('cost-est'), tokens: 4, no_usage: 1 })}`;
    const env = pricedEnv([model]);
    const res = await callGateway({ body: chat(model, { stream: true }), env });
    await res.text();
    const record = await recordOf(res, env, model);
    // The gateway's estimates, 4 characters a token: the prompt as sent, and the relayed text.
    const relayed = 'tok0 tok1 tok2 tok3 ';
    expect(record.tokens).toMatchObject({ output: Math.ceil(relayed.length / 4), estimated: true });
    expect(record.cost).toMatchObject({ estimated: true });
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 0, Math.ceil(relayed.length / 4)), 12);
  });

  it('an unpriced model: no cost is guessed, the model is named, and the client usage has no cost', async () => {
    const model = `local/${scenario({ id: uniqueId('cost-unpriced'), tokens: 2 })}`;
    const env = fakeEnv(admin);
    const res = await callGateway({ body: { model, messages: PROMPT }, env });
    const body = (await res.json()) as { usage: Record<string, unknown> };
    const record = await recordOf(res, env, model);
    expect(record.cost).toEqual({ estimated: false, unpriced: [model] });
    expect(body.usage.cost).toBeUndefined();
  });

  it("the provider's own usage.cost wins, in the record and untouched for the client", async () => {
    const model = `local/${scenario({ id: uniqueId('cost-reported'), tokens: 2, cost_micros: 120 })}`;
    const env = pricedEnv([model]);
    const res = await callGateway({ body: { model, messages: PROMPT }, env });
    const body = (await res.json()) as { usage: Record<string, unknown> };
    const record = await recordOf(res, env, model);
    expect(record.cost).toEqual({ usd: 120e-6, estimated: false, reported: true });
    expect(body.usage.cost).toBe(120e-6);
  });

  it('a non-streaming request that fails mid-generation: the same error response, and the record bills what was generated', async () => {
    const model = `local/${scenario({ id: uniqueId('cost-broken'), tokens: 10, error_after: 4 })}`;
    const env = pricedEnv([model], { UPSTREAM_MAX_RETRIES: '0' });
    const res = await callGateway({ body: chat(model), env });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: {
        message: "Provider 'local' reported an error.",
        type: 'upstream_error',
        param: null,
        code: 'upstream_overloaded',
      },
    });
    const record = await recordOf(res, env, model);
    expect(record).toMatchObject({
      status: 502,
      outcome: 'upstream_error',
      provider: 'local',
      error: 'upstream_overloaded',
    });
    expect(record.tokens).toMatchObject({ output: Math.ceil('tok0 tok1 tok2 tok3 '.length / 4), estimated: true });
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 0, record.tokens.output ?? 0), 12);
  });

  it('a retry after an HTTP error costs nothing; a leg given up on while it prefilled is billed its prompt', async () => {
    const failedOnce = `local/${scenario({ id: uniqueId('cost-retry'), tokens: 2, status: 500, fail_times: 1 })}`;
    const env = pricedEnv([failedOnce], { UPSTREAM_MAX_RETRIES: '1' });
    const retried = await callGateway({ body: { model: failedOnce, messages: PROMPT }, env });
    expect(retried.status).toBe(200);
    const record = await recordOf(retried, env, failedOnce);
    expect(record.retries).toBe(1);
    expect(record.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 0, 2), 12);

    const slow = `local/${scenario({ id: uniqueId('cost-timeout'), ttft: 2000 })}`;
    const fast = `local/${scenario({ id: uniqueId('cost-fallback'), tokens: 2 })}`;
    const aliases = { both: { targets: [slow, fast] } };
    const prices = { [slow]: PRICE, [fast]: PRICE };
    const fallbackEnv = fakeEnv({
      ...admin,
      FIRST_BYTE_TIMEOUT_MS: '100',
      UPSTREAM_MAX_RETRIES: '0',
      GATEWAY_CONFIG: JSON.stringify({ aliases, prices }),
    });
    const fellBack = await callGateway({ body: { model: 'both', messages: PROMPT }, env: fallbackEnv });
    expect(fellBack.status).toBe(200);
    const fallbackRecord = await recordOf(fellBack, fallbackEnv, 'both');
    expect(fallbackRecord.attempts.map((attempt) => attempt.error)).toEqual(['first_byte_timeout', undefined]);
    expect(fallbackRecord.cost?.estimated).toBe(true);
    expect(fallbackRecord.cost?.usd).toBeCloseTo(handCost(PROMPT_TOKENS, 0, 2) + handCost(PROMPT_TOKENS, 0, 0), 12);
  });
});

describe('cost in a session turn', () => {
  it("the turn's usage event carries the cost, in USD", async () => {
    // Session objects price with their own bindings' config: the built-in table, where the simulator costs 0.
    const { id } = await createSession({ model: 'sim/fast' });
    const res = await post(id, 'messages', { content: 'Hello', stream: true });
    const usage = parseSessionSse(await res.text()).find((frame) => frame.event === 'usage');
    expect(usage?.data).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number), cost: 0 });
  });
});
