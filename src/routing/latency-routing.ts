import { priceOf } from '../config/prices';
import type { Settings } from '../config/settings';
import type { Connection } from '../pipeline/connection';
import { type AttemptRecord, type ConnectOptions, connect } from './connect';
import { orderByCost } from './cost-order';
import { aliasFor, resolveTargets, type Target } from './resolve-targets';
import { cachedStats, type RouteStatsNamespace, reportSamples, type WaitUntil } from './route-stats-cache';
import { orderTargets, type Sample } from './target-stats';

/** How a request's targets were ordered; absent for the configured order. */
export interface RoutingRecord {
  strategy: 'latency' | 'cost';
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

/** Hands a request's attempts to the shared estimates, when the gateway has them. */
function reporter(
  settings: Settings,
  env: { ROUTE_STATS?: RouteStatsNamespace },
  waitUntil: WaitUntil,
): RoutePlan['report'] {
  const namespace = env.ROUTE_STATS;
  if (!namespace) return noReport;
  return (attempts) => reportSamples(namespace, samplesFrom(attempts), settings.ROUTE_STATS_TTL_MS, waitUntil);
}

/**
 * The targets for a model in the order to try them. A latency-routed alias is ordered by this
 * isolate's cached estimates, never waiting for the shared store: an isolate that has none yet
 * (or a gateway without the ROUTE_STATS binding) uses the configured order. A cost-routed one is
 * ordered by price within its TTFT bound (src/routing/cost-order.ts), from the same estimates.
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
  if (routing?.strategy === 'cost') {
    // Prices need no shared store: without estimates (or the binding) every target is unmeasured.
    const stats = namespace ? cachedStats(namespace, settings.ROUTE_STATS_TTL_MS, waitUntil) : undefined;
    const prices = settings.GATEWAY_CONFIG.prices;
    const ordered = orderByCost(
      targets,
      targetKey,
      (target) => priceOf(prices, target.providerId, target.model),
      stats ?? new Map(),
      { explore: routing.explore, maxTtftMs: routing.max_ttft_ms, now: Date.now(), random: Math.random },
    );
    return {
      ...ordered,
      routing: { strategy: 'cost', explored: ordered.explored },
      report: reporter(settings, env, waitUntil),
    };
  }
  if (routing?.strategy !== 'latency' || !namespace) return { targets, report: noReport };
  const stats = cachedStats(namespace, settings.ROUTE_STATS_TTL_MS, waitUntil);
  const ordered = stats
    ? orderTargets(targets, targetKey, stats, { explore: routing.explore, now: Date.now(), random: Math.random })
    : { targets, explored: false };
  return {
    targets: ordered.targets,
    routing: { strategy: 'latency', explored: ordered.explored },
    report: reporter(settings, env, waitUntil),
  };
}

/** connect, then report its attempts to the plan whether it connected or not. */
export function connectPlanned(plan: RoutePlan, options: ConnectOptions): Promise<Connection> {
  const connection = connect(options);
  const report = () => plan.report(options.attempts);
  connection.then(report, report);
  return connection;
}
