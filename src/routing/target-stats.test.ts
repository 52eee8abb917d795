import { describe, expect, it } from 'vitest';
import {
  applySample,
  ERROR_PENALTY_MS,
  EWMA_ALPHA,
  expectedCost,
  orderTargets,
  type Sample,
  STALE_AFTER_MS,
  type TargetStats,
} from './target-stats';

const NOW = 1_000_000;

function fold(samples: Sample[], now = NOW): TargetStats | undefined {
  return samples.reduce<TargetStats | undefined>((stats, sample) => applySample(stats, sample, now), undefined);
}

const ok = (target: string, ttftMs: number): Sample => ({ target, ok: true, ttftMs });
const failed = (target: string): Sample => ({ target, ok: false });

/** A random source that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => {
    const value = values[i++];
    if (value === undefined) throw new Error('random called more often than expected');
    return value;
  };
}

function statsOf(...entries: TargetStats[]): Map<string, TargetStats> {
  return new Map(entries.map((entry) => [entry.target, entry]));
}

const order = (targets: string[], stats: Map<string, TargetStats>, random = sequence(0.99), explore = 0.05) =>
  orderTargets(targets, (target) => target, stats, { explore, now: NOW, random });

describe('applySample', () => {
  it('starts the TTFT at the first success and moves it by EWMA_ALPHA after that', () => {
    const stats = fold([ok('a', 100), ok('a', 200)]);
    expect(stats).toMatchObject({ target: 'a', ttftMs: 100 + EWMA_ALPHA * 100, errorRate: 0, samples: 2 });
    expect(stats?.updatedAt).toBe(NOW);
  });

  it('counts a first failure as EWMA_ALPHA, not as a target that always fails, and learns no TTFT from it', () => {
    expect(fold([failed('a')])).toMatchObject({ ttftMs: null, errorRate: EWMA_ALPHA, samples: 1 });
  });

  it('keeps the TTFT estimate through failures and lets successes bring the error rate back down', () => {
    const stats = fold([ok('a', 50), failed('a'), failed('a'), ok('a', 50)]);
    expect(stats?.ttftMs).toBe(50);
    const afterTwoFailures = 1 - (1 - EWMA_ALPHA) ** 2;
    expect(stats?.errorRate).toBeCloseTo(afterTwoFailures * (1 - EWMA_ALPHA), 10);
  });

  it('follows a target that turned slow within a few samples', () => {
    // 20 ms → 400 ms: past a 200 ms rival after two samples (20 → 134 → 214).
    let stats = fold([ok('a', 20), ok('a', 20), ok('a', 20)]);
    const estimates = [1, 2, 3].map(() => {
      stats = applySample(stats, ok('a', 400), NOW);
      return Math.round(stats.ttftMs ?? 0);
    });
    expect(estimates).toEqual([134, 214, 270]);
  });
});

describe('expectedCost', () => {
  it('is the TTFT estimate plus the error rate times ERROR_PENALTY_MS', () => {
    const stats: TargetStats = { target: 'a', ttftMs: 100, errorRate: 0.5, samples: 3, updatedAt: NOW };
    expect(expectedCost(stats, NOW)).toBe(100 + 0.5 * ERROR_PENALTY_MS);
  });

  it('is unknown for a target never measured or measured too long ago', () => {
    const old: TargetStats = {
      target: 'a',
      ttftMs: 100,
      errorRate: 0,
      samples: 3,
      updatedAt: NOW - STALE_AFTER_MS - 1,
    };
    expect(expectedCost(undefined, NOW)).toBeUndefined();
    expect(expectedCost(old, NOW)).toBeUndefined();
  });
});

describe('orderTargets', () => {
  const a = fold([ok('a', 300)]) as TargetStats;
  const b = fold([ok('b', 50)]) as TargetStats;
  const c = fold([ok('c', 120)]) as TargetStats;

  it('puts the cheapest expected cost first', () => {
    expect(order(['a', 'b', 'c'], statsOf(a, b, c))).toEqual({ targets: ['b', 'c', 'a'], explored: false });
  });

  it('ranks a fast target that keeps failing behind a slower reliable one', () => {
    const flaky = fold([ok('b', 50), failed('b')]) as TargetStats;
    expect(order(['b', 'c'], statsOf(flaky, c)).targets).toEqual(['c', 'b']);
  });

  it('tries unmeasured and stale targets first, in configured order, so they get measured', () => {
    const staleB = { ...b, updatedAt: NOW - STALE_AFTER_MS - 1 };
    expect(order(['a', 'c', 'b', 'd'], statsOf(a, staleB, c)).targets).toEqual(['b', 'd', 'c', 'a']);
  });

  it('keeps the configured order between equal costs and when nothing is known', () => {
    expect(order(['a', 'b'], new Map()).targets).toEqual(['a', 'b']);
    const same = { ...a, target: 'x' };
    expect(order(['x', 'a'], statsOf(a, same)).targets).toEqual(['x', 'a']);
  });

  it('explores with probability `explore`: a random other target is promoted to the front', () => {
    const stats = statsOf(a, b, c);
    // 0.04 < 0.05 explores; 0.7 picks the second of the two others (ranked b, c, a → a).
    expect(order(['a', 'b', 'c'], stats, sequence(0.04, 0.7))).toEqual({ targets: ['a', 'b', 'c'], explored: true });
    expect(order(['a', 'b', 'c'], stats, sequence(0.04, 0.2))).toEqual({ targets: ['c', 'b', 'a'], explored: true });
    expect(order(['a', 'b', 'c'], stats, sequence(0.05))).toEqual({ targets: ['b', 'c', 'a'], explored: false });
  });

  it('never explores with explore 0 and always with explore 1', () => {
    const stats = statsOf(a, b);
    expect(order(['a', 'b'], stats, sequence(0), 0).explored).toBe(false);
    expect(order(['a', 'b'], stats, sequence(0.999, 0.999), 1)).toEqual({ targets: ['a', 'b'], explored: true });
  });

  it('does not explore a single target', () => {
    expect(order(['a'], statsOf(a), sequence(0), 1)).toEqual({ targets: ['a'], explored: false });
  });
});
