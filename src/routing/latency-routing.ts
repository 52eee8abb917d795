import type { Settings } from '../config/settings';
import type { Connection } from '../pipeline/connection';
import { type AttemptRecord, type ConnectOptions, connect } from './connect';
import { aliasFor, resolveTargets, type Target } from './resolve-targets';
import { cachedStats, type RouteStatsNamespace, reportSamples, type WaitUntil } from './route-stats-cache';
import { orderTargets, type Sample } from './target-stats';

/** How a request's targets were ordered; absent for the configured order. */
export interface RoutingRecord {
  strategy: 'latency';
  /** Exploration put a target other than the best first. */
  explored: boolean;
}

export interface RoutePlan {
  targets: Target[];
  routing?: RoutingRecord;
  /** Hands what the attempts taught to the shared estimates; called once connect has settled. */
  report(attempts: readonly AttemptRecord[]): void;
}

export const targetKey = (target: Target) => `${target.providerId}/${target.model}`;

/** Failures that say nothing about the target: the request's own fault, a hedge we cut, a config gap. */
const NOT_THE_TARGETS_FAULT = new Set(['upstream_rejected_request', 'hedge_lost', 'provider_not_configured']);

export function samplesFrom(attempts: readonly AttemptRecord[]): Sample[] {
  return attempts.flatMap((attempt): Sample[] => {
    const target = targetKey({ providerId: attempt.provider, model: attempt.model });
    if (attempt.error === undefined) return [{ target, ok: true, ttftMs: attempt.ttftMs }];
    return NOT_THE_TARGETS_FAULT.has(attempt.error) ? [] : [{ target, ok: false }];
  });
}

const noReport = () => {};

/**
 * The targets for a model in the order to try them. A latency-routed alias is ordered by this
 * isolate's cached estimates, never waiting for the shared store: an isolate that has none yet
 * (or a gateway without the ROUTE_STATS binding) uses the configured order.
 */
export function planRoute(
  model: string,
  settings: Settings,
  env: { ROUTE_STATS?: RouteStatsNamespace },
  waitUntil: WaitUntil,
): RoutePlan {
  const targets = resolveTargets(model, settings);
  const routing = aliasFor(model, settings)?.routing;
  const namespace = env.ROUTE_STATS;
  if (routing?.strategy !== 'latency' || !namespace) return { targets, report: noReport };
  const ttlMs = settings.ROUTE_STATS_TTL_MS;
  const stats = cachedStats(namespace, ttlMs, waitUntil);
  const ordered = stats
    ? orderTargets(targets, targetKey, stats, { explore: routing.explore, now: Date.now(), random: Math.random })
    : { targets, explored: false };
  return {
    targets: ordered.targets,
    routing: { strategy: 'latency', explored: ordered.explored },
    report: (attempts) => reportSamples(namespace, samplesFrom(attempts), ttlMs, waitUntil),
  };
}

/** connect, then report its attempts to the plan whether it connected or not. */
export function connectPlanned(plan: RoutePlan, options: ConnectOptions): Promise<Connection> {
  const connection = connect(options);
  const report = () => plan.report(options.attempts);
  connection.then(report, report);
  return connection;
}
