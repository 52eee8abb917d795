import type { ApiKeyRecord } from './api-key';
import type { KeyLimiterDO } from './key-limiter-do';
import { LEASE_RENEW_MS } from './key-limits';

// What the sessions route hands a session object about the caller's key: a session's turns
// outlive the requests that start them, so the object finishes the key's accounting itself.

/** A key's limits, as the limiter needs them (and as a session's WebSocket carries them). */
export type KeyLimitsOf = Pick<ApiKeyRecord, 'id' | 'rpm' | 'concurrency'>;

/**
 * A key's concurrent-stream slot, handed from the route that admitted the request to the session
 * object that runs the turn: the turn outlives the request, so the object gives the slot back.
 */
export interface StreamLease {
  keyId: string;
  lease: string;
}

/** Gives the slot back; a limiter that cannot be reached lets it expire (LEASE_TTL_MS). */
export function releaseLease(limiter: DurableObjectNamespace<KeyLimiterDO>, { keyId, lease }: StreamLease) {
  return limiter
    .get(limiter.idFromName(keyId))
    .release(lease)
    .catch(() => {});
}

/**
 * Renews the lease every LEASE_RENEW_MS while its stream lives, so a stream longer than
 * LEASE_TTL_MS keeps counting against the key. Returns the function that stops renewing.
 */
export function keepLease(limiter: DurableObjectNamespace<KeyLimiterDO>, { keyId, lease }: StreamLease): () => void {
  const timer = setInterval(() => {
    limiter
      .get(limiter.idFromName(keyId))
      .renew(lease)
      .catch(() => {});
  }, LEASE_RENEW_MS);
  return () => clearInterval(timer);
}

/**
 * A session's WebSocket outlives its upgrade request, so the route hands the object the key's
 * limits instead, and the object admits each turn sent over the socket itself.
 */
export const KEY_LIMITS_HEADER = 'x-infe-key-limits';

export function keyLimitsFromHeader(value: string | null): KeyLimitsOf | undefined {
  if (!value) return undefined;
  const { id, rpm, concurrency } = JSON.parse(value) as KeyLimitsOf;
  return { id, rpm, concurrency };
}
