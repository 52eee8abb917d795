import { describe, expect, it } from 'vitest';
import { firstTokenDelay, parseScenario, scenario } from '../fake-provider/scenario.ts';

const parsed = (model: string) => {
  const result = parseScenario(model);
  if (!result.ok) throw new Error(result.error);
  return result.scenario;
};

describe('fake provider scenario: slow tail', () => {
  it('adds tail_ms to the first token for the drawn share of requests only', () => {
    const s = parsed(scenario({ ttft: 50, tail_ms: 600, tail_pct: 10 }));
    expect(firstTokenDelay(s, () => 0.05)).toBe(650);
    expect(firstTokenDelay(s, () => 0.1)).toBe(50);
    expect(firstTokenDelay(parsed(scenario({ ttft: 50, tail_ms: 600 })), () => 0)).toBe(50);
  });

  it('refuses a share outside 0-100', () => {
    expect(parseScenario('fake;tail_pct=101')).toMatchObject({ ok: false, error: expect.stringContaining('0-100') });
  });
});
