import { describe, expect, it } from 'vitest';
import { callGateway, chat, settledAfter } from './gateway';
import { LATENCY, tried, twoTargets } from './routed-targets';

describe('response cache with latency routing', () => {
  it("a cached alias's misses teach the estimates like any request, and its hits teach nothing", async () => {
    const { a: slow, b: fast, ids, routed } = await twoTargets(['cache-lat-slow', 200], ['cache-lat-fast', 5]);
    const environment = routed(LATENCY, {}, { cache: { ttl_s: 60 } });
    const ask = async (question: string) => {
      const body = chat('routed', { stream: true, messages: [{ role: 'user', content: question }] });
      const res = await callGateway({ body, env: environment });
      await res.text();
      await settledAfter(res);
      return res.headers.get('x-infe-cache');
    };

    // Each question is new: a miss the cache's object connects for. The order follows the
    // estimates its attempts taught: configured, then the unmeasured one, then the faster.
    const order: string[][] = [];
    for (let i = 0; i < 4; i++) {
      order.push(await tried(ids, async () => expect(await ask(`question ${i}`)).toBe('miss')));
    }
    expect(order).toEqual([[slow.id], [fast.id], [fast.id], [fast.id]]);
    expect(await tried(ids, async () => expect(await ask('question 0')).toBe('hit'))).toEqual([]);
  });
});
