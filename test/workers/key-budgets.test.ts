import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { KeyBudget } from '../../src/auth/api-key';
import { toNanos } from '../../src/auth/key-budget';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, readSse, settledAfter } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

/** USD per million tokens: a fake-provider token of output costs a thousandth of a dollar. */
const PRICE = { input: 1, output: 1000 };
const NANO = 1e-9;

/**
 * A fake-provider model with its own price, so the record's cost and the budget are the test's to
 * compute; no retries, so a reservation is one attempt's worst case (worst-case-cost.test.ts counts retries).
 */
function priced(opts: Record<string, string | number>, aliases: Record<string, unknown> = {}) {
  const model = scenario(opts);
  const prices: Record<string, typeof PRICE> = { [`local/${model}`]: PRICE };
  for (const alias of Object.values(aliases) as { targets: string[] }[]) {
    for (const target of alias.targets) prices[target] = PRICE;
  }
  const config = JSON.stringify({ prices, aliases });
  return { model: `local/${model}`, env: deployed({ GATEWAY_CONFIG: config, UPSTREAM_MAX_RETRIES: '0' }) };
}

async function budgeted(budget: KeyBudget) {
  const { id, key } = await createKey({ budget });
  const limiter = env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(id));
  return { id, headers: bearer(key), state: () => limiter.budget(budget) };
}

async function recordsOf(keyId: string): Promise<RequestLogRecord[]> {
  const { results } = await env.DB.prepare('SELECT record FROM request_logs WHERE key_id = ?')
    .bind(keyId)
    .all<{ record: string }>();
  return results.map((row) => JSON.parse(row.record) as RequestLogRecord);
}

const costOf = (records: RequestLogRecord[]) => records.reduce((sum, r) => sum + (r.cost?.usd ?? 0), 0);

describe('per-key budgets', () => {
  it('fifty parallel requests against a budget that fits ten: spent stays within it, the rest are refused', async () => {
    const { model, env: gateway } = priced({ id: uniqueId('budget-conc'), tokens: 5 });
    const body = chat(model, { stream: true, max_tokens: 5 });
    // The reservation: the prompt as sent, a token per byte, at input, plus five tokens at output.
    const promptBytes = new TextEncoder().encode(JSON.stringify([body.messages, null])).length;
    const reservation = (promptBytes * PRICE.input + 5 * PRICE.output) / 1e6;
    const budget = { usd: Number((10 * reservation).toFixed(9)), period: 'day' as const };
    const key = await budgeted(budget);

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => callGateway({ body, env: gateway, headers: key.headers })),
    );
    const admitted = responses.filter((res) => res.status === 200);
    const refused = responses.filter((res) => res.status !== 200);
    for (const res of admitted) expect((await readSse(res)).at(-1)?.data).toBe('[DONE]');
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(await errorOf(res)).toMatchObject({ code: 'budget_exceeded', type: 'rate_limit_error' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    await Promise.all(responses.map(settledAfter));

    const state = await key.state();
    const records = await recordsOf(key.id);
    const served = records.filter((r) => r.outcome === 'ok');
    console.log(
      `budget concurrency: budget $${budget.usd}, spent $${state.spent_usd}, admitted ${admitted.length}, refused ${refused.length}`,
    );
    expect(state.spent_usd).toBeLessThanOrEqual(budget.usd);
    expect(state.reserved_usd).toBe(0);
    // Each reservation is at least the real cost, so at least ten fit; the spend is the records' cost.
    expect(admitted.length).toBeGreaterThanOrEqual(10);
    expect(admitted.length + refused.length).toBe(50);
    expect(served).toHaveLength(admitted.length);
    // Refused by the key's own limit, not by a provider: no upstream was asked.
    const rejected = records.filter((r) => r.error === 'budget_exceeded');
    expect(rejected).toHaveLength(refused.length);
    expect(rejected.every((r) => r.outcome === 'rejected' && r.attempts.length === 0)).toBe(true);
    expect(state.spent_usd).toBeCloseTo(costOf(served), 8);
    expect(state.spent_usd + reservation).toBeGreaterThan(budget.usd);
  });

  it('settlements below the reservation give the rest back: wave after wave admits exactly what the remainder covers', async () => {
    // Prompt-priced: a reservation counts a token per byte, the fake bills one per four characters.
    const model = `local/${scenario({ id: uniqueId('budget-waves'), tokens: 1 })}`;
    const prices = { [model]: { input: 1000, output: 0 } };
    const gateway = deployed({ GATEWAY_CONFIG: JSON.stringify({ prices }), UPSTREAM_MAX_RETRIES: '0' });
    const body = { model, max_tokens: 1, messages: [{ role: 'user', content: 'x'.repeat(400) }] };
    const reservation = toNanos((new TextEncoder().encode(JSON.stringify([body.messages, null])).length * 1000) / 1e6);
    const budget = { usd: (10 * reservation) / 1e9, period: 'month' as const };
    const key = await budgeted(budget);
    const waves: number[] = [];
    for (let wave = 0; wave < 5; wave++) {
      const before = toNanos((await key.state()).spent_usd);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => callGateway({ body, env: gateway, headers: key.headers })),
      );
      await Promise.all(responses.map(settledAfter));
      const admitted = responses.filter((res) => res.status === 200).length;
      for (const res of responses.filter((r) => r.status !== 200)) {
        expect((await errorOf(res)).code).toBe('budget_exceeded');
      }
      expect(admitted).toBe(Math.min(10, Math.floor((toNanos(budget.usd) - before) / reservation)));
      waves.push(admitted);
    }
    const state = await key.state();
    console.log(
      `budget waves: budget $${budget.usd}, spent $${state.spent_usd}, admitted per wave ${waves.join(', ')}`,
    );
    expect(state.spent_usd).toBeLessThanOrEqual(budget.usd);
    expect(state.spent_usd).toBeCloseTo(costOf(await recordsOf(key.id)), 8);
    expect(waves.reduce((a, b) => a + b)).toBeGreaterThan(10);
  });

  it('a stream the provider runs past max_tokens is charged in full, and the key refused until the reset', async () => {
    const { model, env: gateway } = priced({ id: uniqueId('budget-over'), tokens: 20 });
    const key = await budgeted({ usd: 0.012, period: 'day' });
    const res = await callGateway({ body: chat(model, { max_tokens: 10 }), env: gateway, headers: key.headers });
    expect(res.status).toBe(200);
    await settledAfter(res);
    const [record] = await recordsOf(key.id);
    expect(record?.tokens.output).toBe(20);
    expect((await key.state()).spent_usd).toBeCloseTo(record?.cost?.usd ?? 0, 8);
    const next = await callGateway({ body: chat(model, { max_tokens: 1 }), env: gateway, headers: key.headers });
    expect(next.status).toBe(429);
    const midnight = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
    const retryAfter = Number(next.headers.get('retry-after'));
    expect(Math.abs(retryAfter - (midnight - Date.now()) / 1000)).toBeLessThan(5);
  });

  it('a request without max_tokens is capped at BUDGET_DEFAULT_MAX_TOKENS, and that cap is what it reserves', async () => {
    const id = uniqueId('budget-cap');
    const { model, env: gateway } = priced({ id, tokens: 3 });
    const key = await budgeted({ usd: 0.05, period: 'month' });
    const capped = { ...gateway, BUDGET_DEFAULT_MAX_TOKENS: '40' };
    const res = await callGateway({ body: chat(model), env: capped, headers: key.headers });
    expect(res.status).toBe(200);
    expect((await fakeLog(id)).lastBody).toMatchObject({ max_tokens: 40 });
    await settledAfter(res);
    // 40 output tokens at $0.001 do not fit the $0.047 left, though the 3 actually sent did.
    const refused = await callGateway({ body: chat(model), env: gateway, headers: key.headers });
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).code).toBe('budget_exceeded');
  });

  it('the cap reaches a Responses body relayed as sent, and Responses requests spend the same budget', async () => {
    const id = uniqueId('budget-responses');
    const { model, env: gateway } = priced({ id, tokens: 3 });
    const key = await budgeted({ usd: 0.1, period: 'day' });
    const passthrough = { ...gateway, LOCAL_RESPONSES_API: 'true', BUDGET_DEFAULT_MAX_TOKENS: '30' };
    const res = await callGateway({
      path: '/v1/responses',
      body: { model, input: 'Hello' },
      env: passthrough,
      headers: key.headers,
    });
    expect(res.status).toBe(200);
    expect((await fakeLog(id)).lastBody).toMatchObject({ input: 'Hello', max_output_tokens: 30 });
    await settledAfter(res);
    const [record] = await recordsOf(key.id);
    expect(record?.tokens.output).toBe(3);
    const state = await key.state();
    expect(state.reserved_usd).toBe(0);
    expect(state.spent_usd).toBeCloseTo(record?.cost?.usd ?? -1, 8);
  });

  it('free output (the simulator) is not capped: a budgeted key gets the same reply as any other', async () => {
    const key = await budgeted({ usd: 0.01, period: 'day' });
    const plain = await createKey();
    const reply = async (headers: Record<string, string>) =>
      (await (await callGateway({ body: chat('sim/fast'), env: deployed(), headers })).json()) as unknown;
    const budgetedReply = (await reply(key.headers)) as { choices: unknown[] };
    expect(budgetedReply.choices).toEqual(((await reply(bearer(plain.key))) as { choices: unknown[] }).choices);
  });

  it('refuses a model without a price by name, and one whose worst case exceeds the whole budget (lower max_tokens)', async () => {
    const key = await budgeted({ usd: 1, period: 'day' });
    const unpriced = `local/${scenario({ id: uniqueId('budget-unpriced') })}`;
    const res = await callGateway({ body: chat(unpriced), env: deployed(), headers: key.headers });
    expect(res.status).toBe(403);
    const error = await errorOf(res);
    expect(error.code).toBe('model_unpriced');
    expect(error.message).toContain(unpriced);
    const { model, env: gateway } = priced({ id: uniqueId('budget-huge') });
    const huge = await callGateway({ body: chat(model, { max_tokens: 2000 }), env: gateway, headers: key.headers });
    expect(huge.status).toBe(429);
    expect((await errorOf(huge)).message).toContain('lower max_tokens');
    expect((await key.state()).spent_usd).toBe(0);
  });

  describe('settles what was consumed, whatever ended the stream', () => {
    it('a client that cancels mid-stream pays for what was relayed, and its reservation is released', async () => {
      const { model, env: gateway } = priced({ id: uniqueId('budget-cancel'), tokens: 200, gap: 20 });
      const key = await budgeted({ usd: 1, period: 'day' });
      const body = chat(model, { stream: true, max_tokens: 200 });
      const res = await callGateway({ body, env: gateway, headers: key.headers });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      expect((await key.state()).reserved_usd).toBeGreaterThan(0.2);
      await reader.cancel();
      await settledAfter(res);
      const [record] = await recordsOf(key.id);
      const state = await key.state();
      expect(record?.outcome).toBe('client_cancelled');
      expect(state.reserved_usd).toBe(0);
      expect(state.spent_usd).toBeGreaterThan(0);
      expect(state.spent_usd).toBeLessThan(0.2);
      expect(state.spent_usd).toBeCloseTo(record?.cost?.usd ?? -1, 8);
    });

    it('an upstream that fails before its first token costs nothing; one that fails mid-stream what it sent', async () => {
      const key = await budgeted({ usd: 1, period: 'day' });
      const failing = priced({ id: uniqueId('budget-fail'), status: 500 });
      const res = await callGateway({
        body: chat(failing.model, { max_tokens: 10 }),
        env: failing.env,
        headers: key.headers,
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      await settledAfter(res);
      expect(await key.state()).toMatchObject({ spent_usd: 0, reserved_usd: 0 });

      const broken = priced({ id: uniqueId('budget-broken'), tokens: 10, error_after: 4 });
      const streamed = await callGateway({
        body: chat(broken.model, { stream: true, max_tokens: 10 }),
        env: broken.env,
        headers: key.headers,
      });
      await readSse(streamed);
      await settledAfter(streamed);
      const record = (await recordsOf(key.id)).find((r) => r.model === broken.model);
      const state = await key.state();
      expect(state.reserved_usd).toBe(0);
      expect(state.spent_usd).toBeGreaterThan(0);
      expect(state.spent_usd).toBeLessThan((10 * PRICE.output) / 1e6);
      expect(state.spent_usd).toBeCloseTo(record?.cost?.usd ?? -1, 8);
    });

    it('a hedged alias reserves every leg and is charged the winner plus the prompt of the leg that lost', async () => {
      const slow = `local/${scenario({ id: uniqueId('budget-hedge-slow'), ttft: 3000, tokens: 2 })}`;
      const fast = `local/${scenario({ id: uniqueId('budget-hedge-fast'), tokens: 2 })}`;
      const alias = uniqueId('budget-hedged');
      const aliases = { [alias]: { targets: [slow, fast], hedge: { after_ms: 0 } } };
      const { env: gateway } = priced({ id: uniqueId('budget-unused') }, aliases);
      const key = await budgeted({ usd: 1, period: 'day' });
      const res = await callGateway({ body: chat(alias, { max_tokens: 2 }), env: gateway, headers: key.headers });
      expect(res.status).toBe(200);
      await settledAfter(res);
      const [record] = await recordsOf(key.id);
      expect(record?.hedgesLost?.legs).toBe(1);
      const winner = ((record?.tokens.input ?? 0) * PRICE.input + 2 * PRICE.output) / 1e6;
      const state = await key.state();
      expect(state.reserved_usd).toBe(0);
      expect(state.spent_usd).toBeGreaterThan(winner + NANO);
      expect(state.spent_usd).toBeCloseTo(record?.cost?.usd ?? -1, 8);
    });
  });
});
