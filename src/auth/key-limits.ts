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
}

export type Admission =
  | { ok: true; lease: string }
  | { ok: false; reason: 'rpm' | 'concurrency'; retryAfterSeconds: number };

/**
 * One key's request rate (a sliding 60 s window) and open streams (leases), exact because one
 * Durable Object owns them. Kept in its SQLite storage so an eviction does not forget open streams.
 */
export class KeyLimits {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS requests (ts INTEGER NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
  }

  acquire(limits: Limits, now: number): Admission {
    this.sql.exec('DELETE FROM requests WHERE ts <= ?', now - WINDOW_MS);
    this.sql.exec('DELETE FROM leases WHERE expires_at <= ?', now);
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
    const lease = crypto.randomUUID();
    this.sql.exec('INSERT INTO requests (ts) VALUES (?)', now);
    this.sql.exec('INSERT INTO leases (id, expires_at) VALUES (?, ?)', lease, now + LEASE_TTL_MS);
    return { ok: true, lease };
  }

  release(lease: string): void {
    this.sql.exec('DELETE FROM leases WHERE id = ?', lease);
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
