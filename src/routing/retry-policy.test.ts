import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { retryDelayMs } from './retry-policy';

const policy = { maxRetries: 2, baseDelayMs: 100 };
const error = (retryable: boolean, retryAfter?: number) =>
  new GatewayError(502, 'upstream_error', 'x', { code: 'x', retryable, retryAfter });

describe('retryDelayMs', () => {
  it('backs off exponentially with jitter within [half, full] of the step', () => {
    expect(retryDelayMs(error(true), 0, policy, () => 0)).toBe(50);
    expect(retryDelayMs(error(true), 0, policy, () => 1)).toBe(100);
    expect(retryDelayMs(error(true), 1, policy, () => 1)).toBe(200);
  });

  it('stops after maxRetries and for errors that are not retryable', () => {
    expect(retryDelayMs(error(true), 2, policy)).toBeUndefined();
    expect(retryDelayMs(error(false), 0, policy)).toBeUndefined();
  });

  it('honours Retry-After, and falls back instead of waiting when it is too long', () => {
    expect(retryDelayMs(error(true, 2), 0, policy)).toBe(2000);
    expect(retryDelayMs(error(true, 600), 0, policy)).toBeUndefined();
  });
});
