import { describe, expect, it } from 'vitest';
import type { Price } from '../config/prices';
import { orderByCost } from './cost-order';
import type { TargetStats } from './target-stats';

const NOW = 1_000_000;
const PRICES: Record<string, Price> = {
  cheap: { input: 0.1, output: 0.2 },
  mid: { input: 1, output: 2 },
  dear: { input: 5, output: 15 },
};
const stats = (entries: Record<string, number | null>) =>
  new Map(
    Object.entries(entries).map(([target, ttftMs]): [string, TargetStats] => [
      target,
      { target, ttftMs, errorRate: 0, samples: 3, updatedAt: NOW },
    ]),
  );
const order = (targets: string[], measured: Record<string, number | null>, maxTtftMs?: number, explore = 0) =>
  orderByCost(
    targets,
    (t) => t,
    (t) => PRICES[t],
    stats(measured),
    {
      maxTtftMs,
      explore,
      now: NOW,
      random: () => 0,
    },
  );

describe('orderByCost', () => {
  it('ranks the targets within the bound by price, then the too-slow ones fastest first', () => {
    expect(order(['dear', 'mid', 'cheap'], { dear: 100, mid: 200, cheap: 900 }, 500).targets).toEqual([
      'mid',
      'dear',
      'cheap',
    ]);
  });

  it('falls back to the fastest first when no target meets the bound', () => {
    expect(order(['cheap', 'mid', 'dear'], { cheap: 900, mid: 800, dear: 700 }, 500).targets).toEqual([
      'dear',
      'mid',
      'cheap',
    ]);
  });

  it('puts unpriced targets after the priced ones and tries unmeasured ones as if within the bound', () => {
    expect(order(['free?', 'dear', 'cheap'], { dear: 100 }, 500).targets).toEqual(['cheap', 'dear', 'free?']);
  });

  it('without a bound it is the price order; exploration promotes another target as latency routing does', () => {
    expect(order(['dear', 'cheap'], { dear: 10, cheap: 5000 }).targets).toEqual(['cheap', 'dear']);
    expect(order(['dear', 'cheap'], { dear: 10, cheap: 10 }, 500, 1)).toEqual({
      targets: ['dear', 'cheap'],
      explored: true,
    });
  });
});
