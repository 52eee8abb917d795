import type { CostRecord } from '../observe/cost';
import type { ApiKeyRecord, KeyBudget } from './api-key';
import type { KeyLimiterDO } from './key-limiter-do';
import { LEASE_RENEW_MS } from './key-limits';

// What the sessions route hands a session object about the caller's key: a session's turns
// outlive the requests that start them, so the object finishes the key's accounting itself.

/** A key's limits, as the limiter needs them (and as a session's WebSocket carries them). */
export type KeyLimitsOf = Pick<ApiKeyRecord, 'id' | 'rpm' | 'concurrency' | 'budget'>;

/**
 * A key's concurrent-stream slot, handed from the route that admitted the request to the session
 * object that runs the turn: the turn outlives the request, so the object gives the slot back.
 */
export interface StreamLease {
  keyId: string;
  lease: string;
  /** The key's budget, when it has one: the object that runs the turn reserves the turn's worst case of it. */
  budget?: KeyBudget;
  /** What the lease holds of the key's budget: charged in full when the cost cannot be told. */
  reservedUsd?: number;
}

/**
 * Gives the slot back and settles its reservation with the stream's `cost` (its log record's):
 * none when nothing was consumed, the whole reservation when a model in it had no price. A
 * limiter that cannot be reached lets the lease expire (LEASE_TTL_MS), charging the reservation.
 */
export function releaseLease(limiter: DurableObjectNamespace<KeyLimiterDO>, lease: StreamLease, cost?: CostRecord) {
  const spentUsd = cost === undefined ? 0 : (cost.usd ?? lease.reservedUsd ?? 0);
  return limiter
    .get(limiter.idFromName(lease.keyId))
    .release(lease.lease, spentUsd)
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
  const { id, rpm, concurrency, budget } = JSON.parse(value) as KeyLimitsOf;
  return { id, rpm, concurrency, budget: budget ?? null };
}
