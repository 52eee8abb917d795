import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { uniqueId } from '../support/fake-control';
import { callGateway, chat, settledAfter } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

const ADMIN = bearer('admin-secret');

interface UsageBody {
  object: string;
  since: string;
  until: string;
  key: string | null;
  totals: Record<string, number>;
  data: Array<Record<string, unknown> & { key: string | null; model: string; day: string; cost_usd: number }>;
  has_more: boolean;
  budget: unknown;
}

/** Two priced fake models, and the env that prices them. */
function setup() {
  const cheap = `local/${scenario({ id: uniqueId('usage-a'), tokens: 3, cached: 2 })}`;
  const other = `local/${scenario({ id: uniqueId('usage-b'), tokens: 6 })}`;
  const prices = { [cheap]: { input: 1, cached_input: 0.5, output: 2 }, [other]: { input: 4, output: 8 } };
  const env = deployed({ ADMIN_API_KEY: 'admin-secret', GATEWAY_CONFIG: JSON.stringify({ prices }) });
  return { cheap, other, env };
}

async function send(env: Record<string, unknown>, key: string, model: string): Promise<void> {
  const res = await callGateway({ body: chat(model), env, headers: bearer(key) });
  expect(res.status).toBe(200);
  await res.text();
  await settledAfter(res);
}

async function usageOf(env: Record<string, unknown>, headers: Record<string, string>, query = '') {
  return callGateway({ path: `/v1/usage${query}`, env, headers });
}

async function logsOf(env: Record<string, unknown>, keyId: string): Promise<RequestLogRecord[]> {
  const res = await callGateway({ path: `/v1/logs?key=${keyId}&limit=200`, env, headers: ADMIN });
  return ((await res.json()) as { data: RequestLogRecord[] }).data;
}

describe('GET /v1/usage', () => {
  it("a key sees its own requests, tokens and cost by day and model, agreeing with its log records, never another key's", async () => {
    const { cheap, other, env } = setup();
    const alice = await createKey();
    const bob = await createKey();
    await send(env, alice.key, cheap);
    await send(env, alice.key, cheap);
    await send(env, alice.key, other);
    await send(env, bob.key, cheap);

    const res = await usageOf(env, bearer(alice.key));
    expect(res.status).toBe(200);
    const body = (await res.json()) as UsageBody;
    const today = new Date().toISOString().slice(0, 10);
    expect(body).toMatchObject({ object: 'usage', key: alice.id, until: today, has_more: false, budget: null });
    expect(body.data.every((row) => row.key === alice.id)).toBe(true);
    expect(body.data.map((row) => [row.day, row.model, row.requests]).sort()).toEqual(
      [
        [today, cheap, 2],
        [today, other, 1],
      ].sort(),
    );

    const records = await logsOf(env, alice.id);
    expect(records).toHaveLength(3);
    const sum = (pick: (record: RequestLogRecord) => number) => records.reduce((total, r) => total + pick(r), 0);
    expect(body.totals).toMatchObject({
      requests: 3,
      input_tokens: sum((r) => r.tokens.input ?? 0),
      output_tokens: sum((r) => r.tokens.output ?? 0),
      estimated_requests: 0,
      unpriced_requests: 0,
    });
    expect(body.totals.cost_usd).toBeCloseTo(
      sum((r) => r.cost?.usd ?? 0),
      12,
    );
    expect(body.totals.cost_usd).toBeGreaterThan(0);
    const cheapRow = body.data.find((row) => row.model === cheap);
    const cheapRecords = records.filter((r) => r.model === cheap);
    expect(cheapRow?.cost_usd).toBeCloseTo(
      cheapRecords.reduce((total, r) => total + (r.cost?.usd ?? 0), 0),
      12,
    );

    const forBob = (await (await usageOf(env, bearer(bob.key))).json()) as UsageBody;
    expect(forBob.totals.requests).toBe(1);
    expect(forBob.data.map((row) => [row.key, row.model])).toEqual([[bob.id, cheap]]);

    const snooping = await usageOf(env, bearer(alice.key), `?key=${bob.id}`);
    expect(snooping.status).toBe(403);
    expect((await errorOf(snooping)).code).toBe('usage_of_another_key');
  });

  it('the admin key sees every key, or the one it names', async () => {
    const { cheap, env } = setup();
    const alice = await createKey();
    const bob = await createKey();
    await send(env, alice.key, cheap);
    await send(env, bob.key, cheap);

    const all = (await (await usageOf(env, ADMIN)).json()) as UsageBody;
    expect(all.key).toBeNull();
    const rows = all.data.filter((row) => row.model === cheap);
    expect(rows.map((row) => row.key).sort()).toEqual([alice.id, bob.id].sort());

    const one = (await (await usageOf(env, ADMIN, `?key=${bob.id}`)).json()) as UsageBody;
    expect(one.key).toBe(bob.id);
    expect(one.data.every((row) => row.key === bob.id)).toBe(true);
    const forBob = (await (await usageOf(env, bearer(bob.key))).json()) as UsageBody;
    expect(one.totals).toEqual(forBob.totals);
  });

  it('takes a bounded range of UTC days and refuses anything else naming the parameter', async () => {
    const { env } = setup();
    const alice = await createKey();
    const past = (await (
      await usageOf(env, bearer(alice.key), '?since=2025-01-01&until=2025-01-31')
    ).json()) as UsageBody;
    expect(past).toMatchObject({ since: '2025-01-01', until: '2025-01-31', data: [], totals: { requests: 0 } });

    const cases: Array<[string, string]> = [
      ['?since=yesterday', 'since'],
      ['?since=2025-02-01&until=2025-01-01', 'since'],
      ['?since=2020-01-01&until=2025-01-01', 'until'],
      ['?page=2', 'page'],
    ];
    for (const [query, param] of cases) {
      const res = await usageOf(env, bearer(alice.key), query);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param, query).toBe(param);
    }
    expect((await usageOf(env, {})).status).toBe(401);
  });

  it("reports a budgeted key's budget as its limiter holds it: spent equals its records' cost, nothing left reserved", async () => {
    const { cheap, env } = setup();
    const carol = await createKey({ budget: { usd: 1, period: 'day' } });
    await send(env, carol.key, cheap);
    await send(env, carol.key, cheap);
    const spent = (await logsOf(env, carol.id)).reduce((total, r) => total + (r.cost?.usd ?? 0), 0);
    expect(spent).toBeGreaterThan(0);
    const tomorrow = Math.ceil(Date.now() / 86_400_000) * 86_400;

    for (const [headers, query] of [
      [bearer(carol.key), ''],
      [ADMIN, `?key=${carol.id}`],
    ] as const) {
      const body = (await (await usageOf(env, headers, query)).json()) as UsageBody;
      expect(body.budget).toMatchObject({ limit_usd: 1, reserved_usd: 0, period: 'day', resets_at: tomorrow });
      expect((body.budget as { spent_usd: number }).spent_usd).toBeCloseTo(spent, 9);
    }
    const all = (await (await usageOf(env, ADMIN)).json()) as UsageBody;
    expect(all.budget).toBeNull();
  });
});
