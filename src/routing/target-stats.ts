/**
 * Moving estimates of each target's time to first event and error rate, and the order they
 * suggest. Pure: the Durable Object, the isolate cache and the tests all share these functions.
 */

/** What one attempt at a target taught us. */
export interface Sample {
  /** `provider/model`, the target as configured. */
  target: string;
  /** Start of the attempt to its first decisive event; only for attempts that got one. */
  ttftMs?: number;
  ok: boolean;
}

export interface TargetStats {
  target: string;
  /** Unknown until an attempt has succeeded: a fast failure says nothing about TTFT. */
  ttftMs: number | null;
  errorRate: number;
  samples: number;
  /** Epoch ms of the last sample. */
  updatedAt: number;
}

/**
 * Weight of the newest sample. 0.3 lets a target that turned slow lose its place within two or
 * three requests while one outlier moves the estimate by less than a third.
 */
export const EWMA_ALPHA = 0.3;

/**
 * What a failure costs in expected-time terms: a backoff step plus starting over on another
 * target is about a second. One failure (error rate 0.3) therefore outweighs 300 ms of TTFT.
 */
export const ERROR_PENALTY_MS = 1000;

/** Estimates older than this no longer describe the target: it is measured again (see orderTargets). */
export const STALE_AFTER_MS = 10 * 60_000;

const ewma = (previous: number, value: number) => previous + EWMA_ALPHA * (value - previous);

/**
 * Folds one sample into a target's estimates. The error rate starts from 0, so a first failure
 * counts as 0.3, not as a target that always fails.
 */
export function applySample(previous: TargetStats | undefined, sample: Sample, now: number): TargetStats {
  let ttftMs = previous?.ttftMs ?? null;
  if (sample.ok && sample.ttftMs !== undefined) ttftMs = ttftMs === null ? sample.ttftMs : ewma(ttftMs, sample.ttftMs);
  return {
    target: sample.target,
    ttftMs,
    errorRate: ewma(previous?.errorRate ?? 0, sample.ok ? 0 : 1),
    samples: (previous?.samples ?? 0) + 1,
    updatedAt: now,
  };
}

/** Expected cost in ms; undefined for a target without a usable estimate. */
export function expectedCost(stats: TargetStats | undefined, now: number): number | undefined {
  if (!stats || now - stats.updatedAt > STALE_AFTER_MS) return undefined;
  return (stats.ttftMs ?? 0) + stats.errorRate * ERROR_PENALTY_MS;
}

export interface OrderOptions {
  /** Probability of promoting a random non-best target to the front. */
  explore: number;
  now: number;
  random: () => number;
}

export interface Ordered<T> {
  targets: T[];
  /** True when exploration put a target other than the best first. */
  explored: boolean;
}

/**
 * Cheapest expected cost first. Targets without a usable estimate (never measured, or stale) go
 * first, in configured order, because the only way to learn about them is to try them; ties keep
 * the configured order. With probability `explore` a random other target is promoted to the
 * front, so one that recovered gets measured again even while it is ranked last.
 */
export function orderTargets<T>(
  targets: readonly T[],
  keyOf: (target: T) => string,
  stats: ReadonlyMap<string, TargetStats>,
  options: OrderOptions,
): Ordered<T> {
  const ranked = targets
    .map((target, index) => ({ target, index, cost: expectedCost(stats.get(keyOf(target)), options.now) ?? -1 }))
    .sort((a, b) => a.cost - b.cost || a.index - b.index)
    .map((entry) => entry.target);
  return explore(ranked, options);
}

/**
 * With probability `explore` a random target other than the first is promoted to the front, so
 * one ranked last gets measured again; every strategy that ranks by estimates explores this way.
 */
export function explore<T>(ranked: T[], options: Omit<OrderOptions, 'now'>): Ordered<T> {
  if (ranked.length < 2 || options.random() >= options.explore) return { targets: ranked, explored: false };
  const pick = 1 + Math.floor(options.random() * (ranked.length - 1));
  const [promoted] = ranked.splice(pick, 1);
  return { targets: [promoted as T, ...ranked], explored: true };
}
