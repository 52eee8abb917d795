import type { RouteStatsDO } from './route-stats-do';
import { ROUTE_STATS_INSTANCE } from './route-stats-do';
import type { Sample, TargetStats } from './target-stats';

export type RouteStatsNamespace = DurableObjectNamespace<RouteStatsDO>;
export type WaitUntil = (promise: Promise<unknown>) => void;

interface IsolateView {
  /** The last estimates the object returned; undefined until the first sync of this isolate. */
  stats?: Map<string, TargetStats>;
  syncedAt: number;
  /** Samples not yet sent; they ride along with the next sync. */
  pending: Sample[];
  /** Set while a sync runs; a sync whose request context died never settles, hence its start time. */
  sync?: { startedAt: number };
}

/** A sync running this long is presumed dead (its waitUntil was cut off) and no longer blocks the next. */
const SYNC_GIVE_UP_MS = 10_000;
/** Samples beyond this wait no longer: a busy isolate with an unreachable object must not grow without bound. */
const MAX_PENDING = 1000;

/** Per namespace binding, so a test's broken binding has a view of its own. */
const views = new WeakMap<RouteStatsNamespace, IsolateView>();

function viewOf(namespace: RouteStatsNamespace): IsolateView {
  let view = views.get(namespace);
  if (!view) {
    view = { syncedAt: Number.NEGATIVE_INFINITY, pending: [] };
    views.set(namespace, view);
  }
  return view;
}

/**
 * One round trip to the object sends the pending samples and brings back every estimate. At most
 * one runs per isolate, and a new one starts only when the view is older than `ttlMs`, so the
 * object sees about one call per isolate per TTL however busy the isolate is. Runs in the
 * background (waitUntil); a failure is a warning, never the request's problem.
 */
function syncIfDue(namespace: RouteStatsNamespace, view: IsolateView, ttlMs: number, waitUntil: WaitUntil): void {
  const now = Date.now();
  if (now - view.syncedAt < ttlMs) return;
  if (view.sync && now - view.sync.startedAt < SYNC_GIVE_UP_MS) return;
  const mine = { startedAt: now };
  view.sync = mine;
  const run = async () => {
    do {
      const batch = view.pending.splice(0);
      try {
        const stub = namespace.get(namespace.idFromName(ROUTE_STATS_INSTANCE));
        const stats = await stub.sync(batch);
        view.stats = new Map(stats.map((entry) => [entry.target, entry]));
      } catch (error) {
        // The samples are dropped: estimates are statistics, and retrying would pile up calls on a sick object.
        console.warn(JSON.stringify({ type: 'route_stats_unavailable', error: (error as Error)?.name ?? 'unknown' }));
        break;
      } finally {
        view.syncedAt = Date.now();
      }
      // Samples that arrived during the round trip go now only if the TTL allows (always when it is 0).
    } while (view.pending.length > 0 && Date.now() - view.syncedAt >= ttlMs);
  };
  waitUntil(
    run().finally(() => {
      if (view.sync === mine) view.sync = undefined;
    }),
  );
}

/** This isolate's estimates, without waiting: a stale view is refreshed in the background for later requests. */
export function cachedStats(
  namespace: RouteStatsNamespace,
  ttlMs: number,
  waitUntil: WaitUntil,
): ReadonlyMap<string, TargetStats> | undefined {
  const view = viewOf(namespace);
  syncIfDue(namespace, view, ttlMs, waitUntil);
  return view.stats;
}

/** Queues a request's samples; they are sent with the next sync, which starts now when one is due. */
export function reportSamples(
  namespace: RouteStatsNamespace,
  samples: readonly Sample[],
  ttlMs: number,
  waitUntil: WaitUntil,
): void {
  if (samples.length === 0) return;
  const view = viewOf(namespace);
  view.pending.push(...samples);
  if (view.pending.length > MAX_PENDING) view.pending.splice(0, view.pending.length - MAX_PENDING);
  syncIfDue(namespace, view, ttlMs, waitUntil);
}
