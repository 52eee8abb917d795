import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { priceOf } from '../config/prices';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import { adminAuth } from '../middleware/admin-auth';
import { orderByCost } from '../routing/cost-order';
import { parseTarget } from '../routing/resolve-targets';
import { ROUTE_STATS_INSTANCE } from '../routing/route-stats-do';
import { expectedCost, orderTargets, type TargetStats } from '../routing/target-stats';

const rounded = (value: number, digits: number) => Number(value.toFixed(digits));

function describe(stats: TargetStats, now: number) {
  const cost = expectedCost(stats, now);
  return {
    target: stats.target,
    ttft_ms: stats.ttftMs === null ? null : rounded(stats.ttftMs, 1),
    error_rate: rounded(stats.errorRate, 3),
    samples: stats.samples,
    updated_at: new Date(stats.updatedAt).toISOString(),
    /** What latency routing ranks by; null once stale (the target is then measured again). */
    expected_cost_ms: cost === undefined ? null : rounded(cost, 1),
  };
}

/**
 * GET /v1/stats/targets: the shared latency estimates, read from the object itself (not an
 * isolate's cache), and each latency- or cost-routed alias with the order they give it now.
 */
export const stats = new Hono<AppEnv>().use(adminAuth()).get('/targets', async (c) => {
  const namespace = c.env.ROUTE_STATS;
  if (!namespace) {
    throw new GatewayError(503, 'server_error', 'The route statistics store (ROUTE_STATS) is not bound.', {
      code: 'route_stats_missing',
    });
  }
  const estimates = await namespace.get(namespace.idFromName(ROUTE_STATS_INSTANCE)).sync([]);
  const byTarget = new Map(estimates.map((entry) => [entry.target, entry]));
  const now = Date.now();
  const { aliases: configured, prices } = settingsFor(c.env).GATEWAY_CONFIG;
  const aliases = Object.entries(configured).flatMap(([alias, config]) =>
    config.routing?.strategy === 'latency'
      ? [
          {
            alias,
            explore: config.routing.explore,
            order: orderTargets(config.targets, (target) => target, byTarget, { explore: 0, now, random: Math.random })
              .targets,
          },
        ]
      : [],
  );
  const priceOfTarget = (address: string) => {
    const target = parseTarget(address);
    return target && priceOf(prices, target.providerId, target.model);
  };
  const costAliases = Object.entries(configured).flatMap(([alias, config]) =>
    config.routing?.strategy === 'cost'
      ? [
          {
            alias,
            explore: config.routing.explore,
            max_ttft_ms: config.routing.max_ttft_ms ?? null,
            order: orderByCost(config.targets, (target) => target, priceOfTarget, byTarget, {
              explore: 0,
              maxTtftMs: config.routing.max_ttft_ms,
              now,
              random: Math.random,
            }).targets,
          },
        ]
      : [],
  );
  return c.json({
    object: 'list',
    data: estimates.map((entry) => describe(entry, now)),
    latency_aliases: aliases,
    cost_aliases: costAliases,
  });
});
