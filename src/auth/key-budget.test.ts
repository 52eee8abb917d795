import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { KeyBudget } from './api-key';
import { periodBounds } from './key-budget';
import { KeyLimits, LEASE_TTL_MS } from './key-limits';

const daily: KeyBudget = { usd: 1, period: 'day' };
const limits = (budget: KeyBudget) => ({ rpm: null, concurrency: null, budget });
/** 2026-12-06T10:00:00Z: the injected clock's morning. */
const MORNING = Date.UTC(2026, 11, 6, 10);

function withLimits(test: (limits: KeyLimits) => void): Promise<void> {
  const stub = env.KEY_LIMITER.get(env.KEY_LIMITER.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => test(new KeyLimits(state.storage.sql)));
}

function admitted(limits: KeyLimits, budget: KeyBudget, usd: number, now: number): string {
  const admission = limits.acquire({ rpm: null, concurrency: null, budget }, now, usd);
  if (!admission.ok) throw new Error(`refused: ${admission.reason}`);
  return admission.lease;
}

describe('a key budget in its limiter', () => {
  it('periods are UTC days and months, each ending where the next begins', () => {
    expect(periodBounds('day', MORNING)).toEqual({ start: Date.UTC(2026, 11, 6), end: Date.UTC(2026, 11, 7) });
    expect(periodBounds('month', MORNING)).toEqual({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
  });

  it('holds open reservations against the limit, settles at the real cost, and resets at the period end', async () => {
    await withLimits((keyLimits) => {
      const first = admitted(keyLimits, daily, 0.6, MORNING);
      const refused = keyLimits.acquire(limits(daily), MORNING, 0.6);
      const reset = Date.UTC(2026, 11, 7);
      expect(refused).toEqual({
        ok: false,
        reason: 'budget',
        remainingUsd: 0.4,
        retryAfterSeconds: (reset - MORNING) / 1000,
      });
      keyLimits.release(first, MORNING, 0.25);
      expect(keyLimits.budget(daily, MORNING)).toMatchObject({ spent_usd: 0.25, reserved_usd: 0 });
      const second = admitted(keyLimits, daily, 0.75, MORNING);
      expect(keyLimits.acquire(limits(daily), MORNING, 0.000_001).ok).toBe(false);
      keyLimits.release(second, MORNING, 0.75);
      expect(keyLimits.budget(daily, MORNING)).toMatchObject({ spent_usd: 1, reserved_usd: 0 });
      expect(keyLimits.acquire(limits(daily), reset - 1, 0.01).ok).toBe(false);
      expect(keyLimits.budget(daily, reset)).toEqual({
        limit_usd: 1,
        spent_usd: 0,
        reserved_usd: 0,
        period: 'day',
        resets_at: Date.UTC(2026, 11, 8) / 1000,
      });
      expect(keyLimits.acquire(limits(daily), reset, 1).ok).toBe(true);
    });
  });

  it('a month budget resets on the first of the next month', async () => {
    await withLimits((keyLimits) => {
      const monthly: KeyBudget = { usd: 2, period: 'month' };
      keyLimits.release(admitted(keyLimits, monthly, 2, MORNING), MORNING, 2);
      const refused = keyLimits.acquire(limits(monthly), Date.UTC(2026, 11, 31, 23), 0.01);
      expect(refused).toMatchObject({ ok: false, reason: 'budget', retryAfterSeconds: 3600 });
      expect(keyLimits.acquire(limits(monthly), Date.UTC(2027, 0, 1), 0.01).ok).toBe(true);
    });
  });

  it('a lease that lapses (its isolate died) charges its whole reservation and holds nothing more', async () => {
    await withLimits((keyLimits) => {
      admitted(keyLimits, daily, 0.3, MORNING);
      const later = MORNING + LEASE_TTL_MS;
      expect(keyLimits.budget(daily, later)).toMatchObject({ spent_usd: 0.3, reserved_usd: 0 });
      expect(keyLimits.acquire(limits(daily), later, 0.7).ok).toBe(true);
    });
  });

  it('a settlement above its reservation is charged, and refuses every further cost until the reset', async () => {
    await withLimits((keyLimits) => {
      keyLimits.release(admitted(keyLimits, daily, 0.5, MORNING), MORNING, 1.2);
      expect(keyLimits.budget(daily, MORNING).spent_usd).toBe(1.2);
      expect(keyLimits.acquire(limits(daily), MORNING, 0.000_001)).toMatchObject({ reason: 'budget', remainingUsd: 0 });
      expect(keyLimits.acquire(limits(daily), MORNING, 0).ok).toBe(false);
    });
  });

  it('sums many small charges exactly (nano-dollars, not floating point)', async () => {
    await withLimits((keyLimits) => {
      for (let i = 0; i < 10; i++) keyLimits.release(admitted(keyLimits, daily, 0.1, MORNING), MORNING, 0.1);
      expect(keyLimits.budget(daily, MORNING)).toMatchObject({ spent_usd: 1, reserved_usd: 0 });
      expect(keyLimits.acquire(limits(daily), MORNING, 0).ok).toBe(true);
    });
  });
});
