import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { fakeLog, setFakeSpeed } from '../support/fake-control';
import { callGateway, fakeEnv } from './gateway';
import { LATENCY, send, target, tried, twoTargets } from './routed-targets';

const ADMIN = { ADMIN_API_KEY: 'admin-secret' };
const adminHeaders = { authorization: 'Bearer admin-secret' };

interface StatsBody {
  data: { target: string; ttft_ms: number | null; error_rate: number; samples: number; updated_at: string }[];
  latency_aliases: { alias: string; explore: number; order: string[] }[];
}

describe('latency routing (GATEWAY_CONFIG aliases[…].routing)', () => {
  it('tries the faster target first once measured, and flips when it turns slow', async () => {
    const { a: slow, b: fast, ids, routed } = await twoTargets(['lat-slow', 200], ['lat-fast', 5]);
    const environment = routed(LATENCY);

    // Neither is measured: configured order. Then the unmeasured one is tried, then the faster.
    const warmup: string[][] = [];
    for (let i = 0; i < 4; i++) warmup.push(await tried(ids, () => send(environment)));
    expect(warmup).toEqual([[slow.id], [fast.id], [fast.id], [fast.id]]);

    await setFakeSpeed(fast.id, 600);
    let flippedAfter = 0;
    for (let i = 1; i <= 6 && flippedAfter === 0; i++) {
      const [first] = await tried(ids, () => send(environment));
      if (first === slow.id) flippedAfter = i;
    }
    // With alpha 0.3 the estimate passes the slow target's 200 ms on the second 600 ms sample
    // (≈5 → 183 → 308), so the third request goes to the other target.
    expect(flippedAfter).toBeGreaterThanOrEqual(2);
    expect(flippedAfter).toBeLessThanOrEqual(4);
    expect(await tried(ids, () => send(environment))).toEqual([slow.id]);
  });

  it('orders by the isolate’s cached estimates until they are ROUTE_STATS_TTL_MS old', async () => {
    const { a: slow, b: fast, ids, routed } = await twoTargets(['lat-ttl-slow', 200], ['lat-ttl-fast', 5]);
    const refreshing = routed(LATENCY);
    const cached = routed(LATENCY, { ROUTE_STATS_TTL_MS: '60000' });
    for (let i = 0; i < 3; i++) await send(refreshing);
    expect(await tried(ids, () => send(refreshing))).toEqual([fast.id]);

    // Within the TTL nothing is fetched or sent: the turn for the worse goes unnoticed…
    await setFakeSpeed(fast.id, 400);
    for (let i = 0; i < 3; i++) expect(await tried(ids, () => send(cached))).toEqual([fast.id]);
    // …until the next sync sends the samples held meanwhile, and the order flips at once.
    await send(refreshing);
    expect(await tried(ids, () => send(refreshing))).toEqual([slow.id]);
  });

  it('re-measures a demoted target through exploration, and it regains first place when it recovered', async () => {
    const { a: steady, b: recovers, ids, routed } = await twoTargets(['lat-steady', 150], ['lat-recovers', 500]);
    const exploit = routed(LATENCY);
    const explore = routed({ strategy: 'latency', explore: 1 });
    for (let i = 0; i < 3; i++) await send(exploit);
    expect(await tried(ids, () => send(exploit))).toEqual([steady.id]);

    await setFakeSpeed(recovers.id, 5);
    let explorations = 0;
    while (explorations < 8 && (await tried(ids, () => send(exploit)))[0] !== recovers.id) {
      // explore 1: the non-best target goes first, so the recovery is seen.
      expect(await tried(ids, () => send(explore))).toEqual([recovers.id]);
      explorations++;
    }
    // 500 ms → 5 ms with alpha 0.3: below the steady 150 ms after four samples (500 → 352 → 248 → 175 → 124).
    expect(explorations).toBeGreaterThan(0);
    expect(explorations).toBeLessThanOrEqual(6);
  });

  it('pushes a failing target behind a working one by its error rate', async () => {
    const pair = await twoTargets(['lat-failing', 0, { status: 500 }], ['lat-working', 60]);
    const { a: failing, b: working, ids } = pair;
    const environment = pair.routed(LATENCY);

    const first = await send(environment);
    expect(first.status).toBe(200);
    expect((await fakeLog(failing.id)).requests).toBe(1);
    // One failure is a 30% error rate, costed at 300 ms: the 60 ms target is first from now on.
    for (let i = 0; i < 4; i++) expect(await tried(ids, () => send(environment))).toEqual([working.id]);
  });

  it('reports the estimates and the latency-routed aliases on GET /v1/stats/targets, to admins only', async () => {
    const a = await target('lat-stats-a', 40);
    const b = await target('lat-stats-b', 5);
    const environment = fakeEnv({
      ...ADMIN,
      ROUTE_STATS_TTL_MS: '0',
      GATEWAY_CONFIG: JSON.stringify({
        aliases: {
          routed: { targets: [a.address, b.address], routing: LATENCY },
          short: { targets: [b.address, a.address], routing: 'latency' },
          plain: { targets: [a.address] },
        },
      }),
    });
    for (let i = 0; i < 3; i++) await send(environment);

    const refused = await callGateway({ path: '/v1/stats/targets', env: environment });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_admin_key');

    const res = await callGateway({ path: '/v1/stats/targets', env: environment, headers: adminHeaders });
    expect(res.status).toBe(200);
    const body = (await res.json()) as StatsBody;
    const rowA = body.data.find((row) => row.target === a.address);
    const rowB = body.data.find((row) => row.target === b.address);
    expect(rowA).toMatchObject({ error_rate: 0, samples: 1 });
    expect(rowB?.samples).toBeGreaterThanOrEqual(2);
    // Measured from the attempt's start: at least the fake's 40 ms (less a timer's early tick).
    expect(rowA?.ttft_ms).toBeGreaterThanOrEqual(35);
    expect(rowA?.ttft_ms).toBeGreaterThan(rowB?.ttft_ms ?? Number.POSITIVE_INFINITY);
    expect(Date.parse(rowB?.updated_at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(body.latency_aliases).toEqual([
      { alias: 'routed', explore: 0, order: [b.address, a.address] },
      { alias: 'short', explore: 0.05, order: [b.address, a.address] },
    ]);
  });

  it('says in the request log record that the order came from latency routing, and whether it explored', async () => {
    const { routed } = await twoTargets(['lat-log-a', 5], ['lat-log-b', 5]);
    const environment = routed({ strategy: 'latency', explore: 1 }, ADMIN);
    const res = await send(environment);
    const requestId = res.headers.get('x-request-id');
    // `send` settled the request, so its record is in D1 (see directLogQueue).
    const logs = await callGateway({ path: '/v1/logs?model=routed&limit=50', env: environment, headers: adminHeaders });
    const rows = ((await logs.json()) as { data: RequestLogRecord[] }).data.filter(
      (row) => row.requestId === requestId,
    );
    expect(rows).toHaveLength(1);
    const [record] = rows;
    expect(record?.routing).toEqual({ strategy: 'latency', explored: true });
    expect(record?.attempts[0]?.ttftMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps serving, in configured order, when the stats store is missing or failing', async () => {
    const { a, ids, routed } = await twoTargets(['lat-nostore-a', 50], ['lat-nostore-b', 5]);
    // No binding at all, and a binding whose object fails every call. (Not another real object
    // without `sync`: the test runner's Durable Object wrapper then prints an uncaught rejection.)
    const failing = {
      idFromName: (name: string) => env.ROUTE_STATS.idFromName(name),
      get: () => ({ sync: () => Promise.reject(new Error('route stats store down')) }),
    };
    for (const store of [undefined, failing]) {
      const environment = routed(LATENCY, { ...ADMIN, ROUTE_STATS: store });
      for (let i = 0; i < 3; i++) {
        let status = 0;
        expect(await tried(ids, async () => (status = (await send(environment)).status))).toEqual([a.id]);
        expect(status).toBe(200);
      }
    }
    const stats = await callGateway({
      path: '/v1/stats/targets',
      env: routed(LATENCY, { ...ADMIN, ROUTE_STATS: undefined }),
      headers: adminHeaders,
    });
    expect(stats.status).toBe(503);
    expect(((await stats.json()) as { error: { code: string } }).error.code).toBe('route_stats_missing');
  });

  it('leaves aliases without `routing` in their configured order', async () => {
    const { a, ids, routed } = await twoTargets(['lat-ordered-a', 40], ['lat-ordered-b', 5]);
    const environment = routed(undefined);
    for (let i = 0; i < 3; i++) expect(await tried(ids, () => send(environment))).toEqual([a.id]);
  });
});
