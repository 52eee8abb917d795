import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, setFakeSpeed, uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv, settledAfter } from './gateway';

/** Routing tests' fake targets and requests to the alias `routed` that names them. */

/** A fake target whose TTFT the test sets (and changes) through the fake's control API. */
export async function target(label: string, ttft: number, extra: Record<string, string | number> = {}) {
  const id = uniqueId(label);
  await setFakeSpeed(id, ttft);
  return { id, address: `local/${scenario({ id, speed_key: id, tokens: 2, ...extra })}` };
}

/** No exploration: every order in these tests follows from the estimates alone. */
export const LATENCY = { strategy: 'latency', explore: 0 };

/**
 * Two fake targets, configured in this order, and envs whose alias `routed` names them with a
 * given `routing`. ROUTE_STATS_TTL_MS 0: the isolate refreshes its estimates after every request.
 */
export async function twoTargets(first: [string, number, Record<string, number>?], second: [string, number]) {
  const a = await target(...first);
  const b = await target(...second);
  const targets = [a.address, b.address];
  /** `config`: more of GATEWAY_CONFIG beside the alias (prices). */
  const routed = (routing: unknown, extra: Record<string, unknown> = {}, config: Record<string, unknown> = {}) =>
    fakeEnv({
      UPSTREAM_MAX_RETRIES: '0',
      ROUTE_STATS_TTL_MS: '0',
      GATEWAY_CONFIG: JSON.stringify({ aliases: { routed: { targets, routing } }, ...config }),
      ...extra,
    });
  return { a, b, ids: [a.id, b.id], targets, routed };
}

/**
 * One request to the alias, read to the end and settled (its waitUntil work, the estimates'
 * sync among it, has finished), so the next request orders by what this one taught.
 */
export async function send(environment: Record<string, unknown>): Promise<Response> {
  const res = await callGateway({ body: chat('routed', { stream: true }), env: environment });
  await res.text();
  await settledAfter(res);
  return res;
}

/** Which of the targets the fake saw a request for, in the order given, during `run`. */
export async function tried(ids: string[], run: () => Promise<unknown>): Promise<string[]> {
  const before = await Promise.all(ids.map(async (id) => (await fakeLog(id)).requests));
  await run();
  const after = await Promise.all(ids.map(async (id) => (await fakeLog(id)).requests));
  return ids.filter((_, i) => (after[i] ?? 0) > (before[i] ?? 0));
}
