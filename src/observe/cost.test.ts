import { describe, expect, it } from 'vitest';
import { requestCost, tokensCost } from './cost';

const sonnet = { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 };

describe('cost', () => {
  it('bills cache reads and writes at their own prices and the rest of the prompt at input', () => {
    const usd = tokensCost({ input: 1_000, cachedInput: 600, cacheCreationInput: 100, output: 50 }, sonnet);
    expect(usd).toBeCloseTo((300 * 3 + 600 * 0.3 + 100 * 3.75 + 50 * 15) / 1e6, 12);
  });

  it('falls back to the input price where a model has no cache price', () => {
    expect(tokensCost({ input: 100, cachedInput: 40, output: 10 }, { input: 1, output: 2 })).toBeCloseTo(120e-6, 12);
  });

  it('names unpriced models instead of guessing, and carries estimates', () => {
    const parts = [
      { provider: 'anthropic', model: 'claude-sonnet-4-5', tokens: { input: 10, output: 10 }, estimated: false },
      { provider: 'nowhere', model: 'm', tokens: { input: 10 }, estimated: true },
    ];
    expect(requestCost(parts, {})).toEqual({ estimated: true, unpriced: ['nowhere/m'] });
    expect(requestCost(parts.slice(0, 1), { 'anthropic/claude-sonnet-4-5': { input: 1, output: 1 } })).toEqual({
      usd: 20e-6,
      estimated: false,
    });
  });

  it("takes the provider's own figure for its part over the table, and says so", () => {
    const parts = [
      { provider: 'openrouter', model: 'x/y', tokens: { input: 10, output: 10 }, estimated: false, reportedUsd: 0.5 },
      { provider: 'openai', model: 'gpt-4o-mini', tokens: { input: 1_000_000 }, estimated: true },
    ];
    expect(requestCost(parts, {})).toEqual({ usd: 0.65, estimated: true, reported: true });
  });
});
