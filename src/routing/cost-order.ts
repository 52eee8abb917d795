import type { Price } from '../config/prices';
import { expectedCost, explore, type Ordered, type OrderOptions, type TargetStats } from './target-stats';

export interface CostOrderOptions extends OrderOptions {
  /** The expected TTFT a target must not exceed to be ranked by price; undefined: no bound. */
  maxTtftMs?: number;
}

/**
 * What ranks targets by price: USD for a million prompt and a million completion tokens, a
 * request as long in as out. Cache prices are left out: whether a prompt hits a cache is the
 * request's, not the target's.
 */
export const rankingPrice = (price: Price) => price.input + price.output;

/**
 * The `cost` strategy: the cheapest target whose expected TTFT (measured TTFT plus the error
 * penalty, as latency routing ranks) meets `maxTtftMs`, then the others that meet it by price,
 * unpriced ones after the priced; targets too slow for the bound follow, fastest first. When
 * none meets it the order is the fastest first. A target without a usable estimate (never
 * measured, or stale) counts as meeting the bound, since trying it is the only way to learn
 * whether it does. Ties keep the configured order; exploration as latency routing has it.
 */
export function orderByCost<T>(
  targets: readonly T[],
  keyOf: (target: T) => string,
  priceOf: (target: T) => Price | undefined,
  stats: ReadonlyMap<string, TargetStats>,
  options: CostOrderOptions,
): Ordered<T> {
  const entries = targets.map((target, index) => {
    const price = priceOf(target);
    return {
      target,
      index,
      ttft: expectedCost(stats.get(keyOf(target)), options.now),
      price: price === undefined ? Number.POSITIVE_INFINITY : rankingPrice(price),
    };
  });
  type Entry = (typeof entries)[number];
  const meets = (entry: Entry) =>
    entry.ttft === undefined || options.maxTtftMs === undefined || entry.ttft <= options.maxTtftMs;
  const byPrice = (a: Entry, b: Entry) => a.price - b.price || a.index - b.index;
  const bySpeed = (a: Entry, b: Entry) => (a.ttft ?? 0) - (b.ttft ?? 0) || a.index - b.index;
  const fit = entries.filter(meets).sort(byPrice);
  const slow = entries.filter((entry) => !meets(entry)).sort(bySpeed);
  return explore(
    [...fit, ...slow].map((entry) => entry.target),
    options,
  );
}
