import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, fakeUrl, setFakeSpeed, uniqueId } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

/**
 * Session turns run in the session's Durable Object, which reads the gateway's own bindings: an
 * alias with latency routing needs a gateway configured with one, so this runs over real HTTP.
 */
const slow = uniqueId('session-route-slow');
const fast = uniqueId('session-route-fast');
const address = (id: string) => `local/${scenario({ id, speed_key: id, tokens: 2 })}`;

let gateway: RunningGateway;
beforeAll(async () => {
  await Promise.all([setFakeSpeed(slow, 300), setFakeSpeed(fast, 5)]);
  gateway = await startGateway({
    LOCAL_BASE_URL: `${fakeUrl()}/v1`,
    UPSTREAM_MAX_RETRIES: '0',
    ROUTE_STATS_TTL_MS: '0',
    GATEWAY_CONFIG: JSON.stringify({
      aliases: { routed: { targets: [address(slow), address(fast)], routing: { strategy: 'latency', explore: 0 } } },
    }),
  });
});
afterAll(() => gateway?.dispose());

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json() as Promise<Record<string, unknown>>;
};

/** The targets (slow, fast) the provider saw a request for during one turn. */
async function turnTried(session: string): Promise<string[]> {
  const before = await Promise.all([fakeLog(slow), fakeLog(fast)]);
  const reply = await post(`/v1/sessions/${session}/messages`, { content: 'Hi' });
  expect(reply.message).toMatchObject({ content: 'tok0 tok1 ', status: 'complete' });
  const after = await Promise.all([fakeLog(slow), fakeLog(fast)]);
  return ['slow', 'fast'].filter((_, i) => (after[i]?.requests ?? 0) > (before[i]?.requests ?? 0));
}

describe('session turns on a latency-routed alias', () => {
  it('are ordered by the shared estimates: once the slow first target is measured, turns go to the fast one', async () => {
    const { id } = (await post('/v1/sessions', { model: 'routed' })) as { id: string };
    // No estimates yet: the configured order.
    expect(await turnTried(id)).toEqual(['slow']);
    // The estimates reach the session's isolate in the background: within a few turns the
    // unmeasured fast target is tried first, and stays first once measured.
    const later: string[][] = [];
    for (let turn = 0; turn < 6 && later.at(-1)?.[0] !== 'fast'; turn++) later.push(await turnTried(id));
    expect(later.at(-1)).toEqual(['fast']);
    expect(await turnTried(id)).toEqual(['fast']);

    const stats = (await (await fetch(`${gateway.url}/v1/stats/targets`)).json()) as {
      data: { target: string; samples: number; ttft_ms: number | null }[];
    };
    const slowStats = stats.data.find((row) => row.target === address(slow));
    expect(slowStats?.samples).toBeGreaterThanOrEqual(1);
    expect(slowStats?.ttft_ms).toBeGreaterThanOrEqual(300);
  });
});
