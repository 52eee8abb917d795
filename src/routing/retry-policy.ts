import type { GatewayError } from '../errors/gateway-error';
import { MAX_RETRY_AFTER_SECONDS } from '../errors/upstream';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
}

/**
 * How long to wait before retrying the same target, or undefined to move on. A Retry-After
 * longer than we are willing to hold the client is a reason to fall back, not to wait.
 */
export function retryDelayMs(
  error: GatewayError,
  retriesSoFar: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (!error.retryable || retriesSoFar >= policy.maxRetries) return undefined;
  if (error.retryAfter !== undefined) {
    return error.retryAfter > MAX_RETRY_AFTER_SECONDS ? undefined : error.retryAfter * 1000;
  }
  const exponential = policy.baseDelayMs * 2 ** retriesSoFar;
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
