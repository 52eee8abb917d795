import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { setFakeSpeed } from '../support/fake-control';
import { callGateway } from './gateway';
import { send, tried, twoTargets } from './routed-targets';

const ADMIN_HEADERS = { authorization: 'Bearer admin-secret' };

interface StatsBody {
  data: { target: string; expected_cost_ms: number }[];
  cost_aliases: { alias: string; max_ttft_ms: number | null; order: string[] }[];
}

async function targetStats(environment: Record<string, unknown>): Promise<StatsBody> {
  const res = await callGateway({ path: '/v1/stats/targets', env: environment, headers: ADMIN_HEADERS });
  return (await res.json()) as StatsBody;
}

/** Target → the expected TTFT routing ranks by, from GET /v1/stats/targets. */
async function expectedTtfts(environment: Record<string, unknown>): Promise<Map<string, number>> {
  return new Map((await targetStats(environment)).data.map((entry) => [entry.target, entry.expected_cost_ms]));
}

async function recordOf(res: Response, environment: Record<string, unknown>): Promise<RequestLogRecord> {
  const logs = await callGateway({ path: '/v1/logs?model=routed', env: environment, headers: ADMIN_HEADERS });
  const { data } = (await logs.json()) as { data: RequestLogRecord[] };
  const record = data.find((entry) => entry.requestId === res.headers.get('x-request-id'));
  if (!record) throw new Error('no log record for the request');
  return record;
}

/** The strategy under test, without exploration: every order follows from prices and estimates. */
const COST = { strategy: 'cost', max_ttft_ms: 150, explore: 0 };

describe('cost routing (aliases[…].routing.strategy "cost")', () => {
  it('serves from the cheaper target while it meets the TTFT bound, and switches when it stops meeting it', async () => {
    // Configured dearest first, so the order seen is the prices' doing.
    const { a: dear, b: cheap, ids, targets, routed } = await twoTargets(['cost-dear', 20], ['cost-cheap', 20]);
    const prices = {
      [targets[0] as string]: { input: 5, output: 15 },
      [targets[1] as string]: { input: 0.1, output: 0.2 },
    };
    const environment = routed(COST, { ADMIN_API_KEY: 'admin-secret' }, { prices });

    for (let i = 0; i < 3; i++) expect(await tried(ids, () => send(environment))).toEqual([cheap.id]);

    await setFakeSpeed(cheap.id, 600);
    let switchedAfter = 0;
    for (let i = 1; i <= 6 && switchedAfter === 0; i++) {
      const [first] = await tried(ids, () => send(environment));
      if (first === dear.id) switchedAfter = i;
    }
    // Alpha 0.3: 20 → 194 ms, past the 150 ms bound on the first 600 ms sample.
    expect(switchedAfter).toBeGreaterThanOrEqual(2);
    expect(switchedAfter).toBeLessThanOrEqual(3);
    expect(await tried(ids, () => send(environment))).toEqual([dear.id]);
    // The admin's view of the alias says the same.
    expect((await targetStats(environment)).cost_aliases).toEqual([
      { alias: 'routed', explore: 0, max_ttft_ms: COST.max_ttft_ms, order: targets },
    ]);

    // dear turns slow too: 20 → 134 → 214 ms, past the bound on its second 400 ms sample.
    await setFakeSpeed(dear.id, 400);
    for (let i = 0; i < 2; i++) expect(await tried(ids, () => send(environment))).toEqual([dear.id]);
    // Neither meets the bound now: the faster by its estimate goes first, whatever it costs.
    const estimates = await expectedTtfts(environment);
    const [dearMs, cheapMs] = targets.map((address) => estimates.get(address) ?? 0) as [number, number];
    expect(Math.min(dearMs, cheapMs)).toBeGreaterThan(COST.max_ttft_ms);
    const faster = dearMs < cheapMs ? dear : cheap;
    let res: Response | undefined;
    expect(await tried(ids, async () => (res = await send(environment)))).toEqual([faster.id]);
    const record = await recordOf(res as Response, environment);
    expect(record.routing).toEqual({ strategy: 'cost', explored: false });
  });
});
