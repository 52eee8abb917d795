import { env, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keepLease } from './key-handoff';
import type { KeyLimiterDO } from './key-limiter-do';
import { KeyLimits, LEASE_RENEW_MS, LEASE_TTL_MS } from './key-limits';

const MIN = 60_000;
const one = { rpm: null, concurrency: 1 };

/** A fresh limiter's storage, for KeyLimits with a clock of the test's choosing. */
function withLimits(test: (limits: KeyLimits) => void): Promise<void> {
  const stub = env.KEY_LIMITER.get(env.KEY_LIMITER.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => test(new KeyLimits(state.storage.sql)));
}

describe('stream leases live as long as their stream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a renewed lease keeps counting past LEASE_TTL_MS, and lapses a full TTL after its last renewal', async () => {
    await withLimits((limits) => {
      const first = limits.acquire(one, 0);
      expect(first.ok).toBe(true);
      if (!first.ok) return;
      limits.renew(first.lease, 10 * MIN);
      expect(limits.acquire(one, LEASE_TTL_MS + MIN)).toMatchObject({ ok: false, reason: 'concurrency' });
      expect(limits.acquire(one, 10 * MIN + LEASE_TTL_MS + 1).ok).toBe(true);
    });
  });

  it('a lease that already lapsed is not revived', async () => {
    await withLimits((limits) => {
      const first = limits.acquire(one, 0);
      if (!first.ok) throw new Error('not admitted');
      limits.renew(first.lease, LEASE_TTL_MS + 1);
      expect(limits.acquire(one, LEASE_TTL_MS + 2).ok).toBe(true);
    });
  });

  it('keepLease renews every LEASE_RENEW_MS until stopped', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const renew = vi.fn(async (_lease: string) => {});
    const limiter = {
      idFromName: (name: string) => name,
      get: () => ({ renew }),
    } as unknown as DurableObjectNamespace<KeyLimiterDO>;
    const stop = keepLease(limiter, { keyId: 'key_a', lease: 'lease-1' });
    vi.advanceTimersByTime(LEASE_RENEW_MS * 3);
    expect(renew).toHaveBeenCalledTimes(3);
    expect(renew).toHaveBeenCalledWith('lease-1');
    stop();
    vi.advanceTimersByTime(LEASE_RENEW_MS * 3);
    expect(renew).toHaveBeenCalledTimes(3);
  });
});
