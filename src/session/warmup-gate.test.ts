import { describe, expect, it } from 'vitest';
import { WarmupGate } from './warmup-gate';

const idle = { generating: false, perMinute: 3 };

describe('WarmupGate', () => {
  it('starts a warm-up for a new context, then skips the same context as unchanged', () => {
    const gate = new WarmupGate(() => 0);
    expect(gate.admit('ctx-1', idle)).toEqual({ warmup: 'started' });
    gate.settle(true);
    expect(gate.admit('ctx-1', idle)).toEqual({ warmup: 'skipped', reason: 'unchanged' });
    expect(gate.admit('ctx-2', idle)).toEqual({ warmup: 'started' });
  });

  it('never starts while a turn generates, and allows one in flight', () => {
    const gate = new WarmupGate(() => 0);
    expect(gate.admit('ctx-1', { ...idle, generating: true })).toEqual({ warmup: 'skipped', reason: 'generating' });
    expect(gate.admit('ctx-1', idle)).toEqual({ warmup: 'started' });
    expect(gate.admit('ctx-2', idle)).toEqual({ warmup: 'skipped', reason: 'in_flight' });
    gate.settle(true);
    expect(gate.admit('ctx-2', idle)).toEqual({ warmup: 'started' });
  });

  it('lets a failed warm-up of the same context be tried again', () => {
    const gate = new WarmupGate(() => 0);
    gate.admit('ctx-1', idle);
    gate.settle(false);
    expect(gate.admit('ctx-1', idle)).toEqual({ warmup: 'started' });
  });

  it('starts at most perMinute in any 60 s', () => {
    let now = 0;
    const gate = new WarmupGate(() => now);
    for (let i = 0; i < 3; i++) {
      expect(gate.admit(`ctx-${i}`, idle)).toEqual({ warmup: 'started' });
      gate.settle(true);
      now += 1000;
    }
    expect(gate.admit('ctx-3', idle)).toEqual({ warmup: 'skipped', reason: 'rate_limited' });
    now = 60_001;
    expect(gate.admit('ctx-3', idle)).toEqual({ warmup: 'started' });
  });
});
