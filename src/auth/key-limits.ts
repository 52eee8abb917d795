import type { KeyBudget } from './api-key';
import { type BudgetCheck, BudgetLedger, type BudgetState } from './key-budget';

/**
 * A lease neither renewed nor released within this time is presumed lost (its isolate died) and
 * stops counting. A living stream renews its lease every LEASE_RENEW_MS, however long it runs.
 */
export const LEASE_TTL_MS = 15 * 60_000;
/** A third of the TTL: two renewals may fail (a limiter briefly unreachable) before a lease lapses. */
export const LEASE_RENEW_MS = LEASE_TTL_MS / 3;
const WINDOW_MS = 60_000;

export interface Limits {
  rpm: number | null;
  concurrency: number | null;
  /** With a budget, the lease holds `reserveUsd` of it until it is released. */
  budget?: KeyBudget | null;
}

export type Admission =
  | { ok: true; lease: string }
  | { ok: false; reason: 'rpm' | 'concurrency'; retryAfterSeconds: number }
  | { ok: false; reason: 'budget'; retryAfterSeconds: number; remainingUsd: number };

/**
 * One key's request rate (a sliding 60 s window), open streams (leases) and budget (their
 * reservations and the period's spend: key-budget.ts), exact because one Durable Object owns
 * them. Kept in its SQLite storage so an eviction does not forget open streams.
 */
export class KeyLimits {
  private readonly ledger: BudgetLedger;

  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS requests (ts INTEGER NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    this.ledger = new BudgetLedger(sql);
  }

  /**
   * Admits one request when every limit has room, its worst case (`reserveUsd`) included, all in
   * one synchronous step of the object that owns the key: no two admissions see the same room.
   */
  acquire(limits: Limits, now: number, reserveUsd = 0): Admission {
    this.sql.exec('DELETE FROM requests WHERE ts <= ?', now - WINDOW_MS);
    this.sweep(now);
    if (limits.rpm !== null) {
      const inWindow = this.count('requests');
      if (inWindow >= limits.rpm) {
        // The request whose expiry brings the count back under the limit.
        const freeing = this.sql
          .exec<{ ts: number }>('SELECT ts FROM requests ORDER BY ts ASC LIMIT 1 OFFSET ?', inWindow - limits.rpm)
          .one().ts;
        return {
          ok: false,
          reason: 'rpm',
          retryAfterSeconds: Math.max(1, Math.ceil((freeing + WINDOW_MS - now) / 1000)),
        };
      }
    }
    if (limits.concurrency !== null && this.count('leases') >= limits.concurrency) {
      return { ok: false, reason: 'concurrency', retryAfterSeconds: 1 };
    }
    if (limits.budget) {
      const room = this.ledger.check(limits.budget, reserveUsd, now);
      if (!room.ok) return { reason: 'budget', ...room };
    }
    const lease = crypto.randomUUID();
    this.sql.exec('INSERT INTO requests (ts) VALUES (?)', now);
    this.sql.exec('INSERT INTO leases (id, expires_at) VALUES (?, ?)', lease, now + LEASE_TTL_MS);
    if (limits.budget) this.ledger.reserve(lease, reserveUsd);
    return { ok: true, lease };
  }

  /** Gives the slot back and settles its reservation at `spentUsd`, what the stream really cost. */
  release(lease: string, now: number, spentUsd = 0): void {
    this.ledger.settle(lease, spentUsd, now);
    this.sql.exec('DELETE FROM leases WHERE id = ?', lease);
  }

  /**
   * Adds `usd` to an open lease's reservation when the budget has room: a session turn holds its
   * slot from the route's admission, before the object knows the prompt it will send.
   */
  reserve(lease: string, budget: KeyBudget, usd: number, now: number): BudgetCheck {
    this.sweep(now);
    const room = this.ledger.check(budget, usd, now);
    if (room.ok) this.ledger.reserve(lease, usd);
    return room;
  }

  budget(budget: KeyBudget, now: number): BudgetState {
    this.sweep(now);
    return this.ledger.state(budget, now);
  }

  /** Lapsed leases stop counting; their reservations are charged in full first. */
  private sweep(now: number): void {
    this.ledger.lapse(now);
    this.sql.exec('DELETE FROM leases WHERE expires_at <= ?', now);
  }

  /** Pushes a living stream's lease a full TTL ahead; a lease already lapsed is not revived. */
  renew(lease: string, now: number): void {
    this.sql.exec('UPDATE leases SET expires_at = ? WHERE id = ? AND expires_at > ?', now + LEASE_TTL_MS, lease, now);
  }

  openStreams(): number {
    return this.count('leases');
  }

  private count(table: 'requests' | 'leases'): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
  }
}
