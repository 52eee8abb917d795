import { describe, expect, it } from 'vitest';
import { RefusalBudget } from './refusal-budget';

describe('RefusalBudget', () => {
  it('records at most its budget per minute, and the next recorded one counts what was skipped', () => {
    const budget = new RefusalBudget(3);
    const taken = Array.from({ length: 10 }, (_, i) => budget.take(1000 + i));
    expect(taken.filter(Boolean)).toHaveLength(3);
    expect(taken.slice(0, 3)).toEqual([{ skipped: 0 }, { skipped: 0 }, { skipped: 0 }]);
    expect(budget.take(1000 + 60_000)).toEqual({ skipped: 7 });
    expect(budget.take(1000 + 60_001)).toEqual({ skipped: 0 });
  });
});
