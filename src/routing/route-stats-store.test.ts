import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { RouteStatsStore } from './route-stats-store';
import { EWMA_ALPHA } from './target-stats';

/** A fresh route-stats object per test (the gateway itself only ever uses 'global'). */
const freshStub = () => env.ROUTE_STATS.get(env.ROUTE_STATS.idFromName(crypto.randomUUID()));

describe('RouteStatsDO and its store', () => {
  it('folds batched samples into per-target estimates and returns them from the same call', async () => {
    const stub = freshStub();
    expect(await stub.sync([])).toEqual([]);
    const stats = await stub.sync([
      { target: 'b/m', ok: true, ttftMs: 100 },
      { target: 'a/m', ok: false },
      { target: 'b/m', ok: true, ttftMs: 200 },
    ]);
    expect(stats).toMatchObject([
      { target: 'a/m', ttftMs: null, errorRate: EWMA_ALPHA, samples: 1 },
      { target: 'b/m', ttftMs: 100 + EWMA_ALPHA * 100, errorRate: 0, samples: 2 },
    ]);
    expect(await stub.sync([])).toEqual(stats);
  });

  it('keeps the estimates in SQLite, so a new instance of the object starts where the last one stopped', async () => {
    const stub = freshStub();
    await stub.sync([{ target: 'a/m', ok: true, ttftMs: 40 }]);
    await runInDurableObject(stub, (_instance, state) => {
      expect(new RouteStatsStore(state.storage.sql).all()).toMatchObject([{ target: 'a/m', ttftMs: 40, samples: 1 }]);
    });
  });

  it('forgets targets nobody has reported for a day', async () => {
    await runInDurableObject(freshStub(), (_instance, state) => {
      const store = new RouteStatsStore(state.storage.sql);
      const day = 24 * 60 * 60_000;
      store.record([{ target: 'gone/m', ok: true, ttftMs: 10 }], 1_000);
      store.record([{ target: 'kept/m', ok: true, ttftMs: 10 }], 1_000 + day);
      expect(store.all().map((row) => row.target)).toEqual(['gone/m', 'kept/m']);
      store.record([{ target: 'kept/m', ok: true, ttftMs: 10 }], 1_001 + day);
      expect(store.all().map((row) => row.target)).toEqual(['kept/m']);
    });
  });
});
