import type { BudgetPeriod, KeyBudget } from './api-key';

/**
 * Money is counted in whole nano-dollars: integers add up exactly in SQLite, whatever the order of
 * settlements, and a nano-dollar is below a token of any listed model (0.028 USD/M is 28 per token).
 */
const NANOS_PER_USD = 1e9;

/** Rounded up, so a reservation or a charge never comes out below what it stands for. */
export const toNanos = (usd: number): number => Math.ceil(Math.round(usd * 1e12) / 1000);
const toUsd = (nanos: number): number => nanos / NANOS_PER_USD;

/** The UTC period `now` falls in: from its first millisecond to the first of the next one. */
export function periodBounds(period: BudgetPeriod, now: number): { start: number; end: number } {
  const at = new Date(now);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (period === 'month') return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  const day = at.getUTCDate();
  return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
}

/** What GET /v1/usage shows of a key's budget. */
export interface BudgetState {
  limit_usd: number;
  spent_usd: number;
  /** Held by streams still running: their worst case, until they end and settle. */
  reserved_usd: number;
  period: BudgetPeriod;
  /** Unix seconds at which `spent_usd` starts again from zero. */
  resets_at: number;
}

export type BudgetCheck = { ok: true } | { ok: false; remainingUsd: number; retryAfterSeconds: number };

/**
 * One key's spend in its current period and the reservations of its open streams, in the
 * limiter's SQLite beside the leases they belong to. A reservation is the stream's worst case;
 * its lease's release charges the real cost instead, and a lease that lapses (its isolate died)
 * is charged its whole reservation, since nobody can say what the lost stream consumed.
 */
export class BudgetLedger {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS spend (
      id INTEGER PRIMARY KEY CHECK (id = 0), period TEXT NOT NULL, period_start INTEGER NOT NULL, nanos INTEGER NOT NULL)`);
    sql.exec('CREATE TABLE IF NOT EXISTS reservations (lease TEXT PRIMARY KEY, nanos INTEGER NOT NULL)');
  }

  /**
   * Whether `usd` more fits: spent plus every open reservation plus this one within the limit.
   * A request costing nothing always fits, as long as nothing was overspent.
   */
  check(budget: KeyBudget, usd: number, now: number): BudgetCheck {
    const spent = this.spent(budget.period, now);
    const remaining = toNanos(budget.usd) - spent - this.reserved();
    if (toNanos(usd) <= remaining) return { ok: true };
    const { end } = periodBounds(budget.period, now);
    return { ok: false, remainingUsd: toUsd(Math.max(0, remaining)), retryAfterSeconds: Math.ceil((end - now) / 1000) };
  }

  reserve(lease: string, usd: number): void {
    this.sql.exec(
      'INSERT INTO reservations (lease, nanos) VALUES (?, ?) ON CONFLICT (lease) DO UPDATE SET nanos = nanos + excluded.nanos',
      lease,
      toNanos(usd),
    );
  }

  /**
   * Ends `lease`'s reservation, charging `usd` (what the stream cost; more than was reserved when
   * a provider ignored max_tokens: then it is charged anyway and the key refused until the reset).
   * A lease that reserved nothing (its key has no budget) charges nothing.
   */
  settle(lease: string, usd: number, now: number): void {
    const held = this.sql.exec('DELETE FROM reservations WHERE lease = ? RETURNING nanos', lease).toArray();
    if (held.length > 0) this.charge(toNanos(usd), now);
  }

  /**
   * Charges in full the reservations of leases that expire at or before `now` (call before
   * deleting them), and of any lease already gone.
   */
  lapse(now: number): void {
    const lapsed = this.sql
      .exec<{ lease: string; nanos: number }>(
        `SELECT r.lease, r.nanos FROM reservations r LEFT JOIN leases l ON l.id = r.lease
         WHERE l.id IS NULL OR l.expires_at <= ?`,
        now,
      )
      .toArray();
    for (const { lease, nanos } of lapsed) {
      this.sql.exec('DELETE FROM reservations WHERE lease = ?', lease);
      this.charge(nanos, now);
    }
  }

  state(budget: KeyBudget, now: number): BudgetState {
    return {
      limit_usd: budget.usd,
      spent_usd: toUsd(this.spent(budget.period, now)),
      reserved_usd: toUsd(this.reserved()),
      period: budget.period,
      resets_at: Math.floor(periodBounds(budget.period, now).end / 1000),
    };
  }

  /** The spend of the period `now` falls in, starting a new one (from zero) when it has turned. */
  private spent(period: BudgetPeriod, now: number): number {
    const { start } = periodBounds(period, now);
    const row = this.sql
      .exec<{ period: BudgetPeriod; period_start: number; nanos: number }>(
        'SELECT period, period_start, nanos FROM spend WHERE id = 0',
      )
      .toArray()[0];
    if (row && row.period === period && row.period_start === start) return row.nanos;
    this.sql.exec('INSERT OR REPLACE INTO spend (id, period, period_start, nanos) VALUES (0, ?, ?, 0)', period, start);
    return 0;
  }

  /** Charged to the period `now` falls in (a stream that ran over a reset counts in the new one). */
  private charge(nanos: number, now: number): void {
    const row = this.sql.exec<{ period: BudgetPeriod }>('SELECT period FROM spend WHERE id = 0').toArray()[0];
    this.spent(row?.period ?? 'month', now);
    this.sql.exec('UPDATE spend SET nanos = nanos + ? WHERE id = 0', nanos);
  }

  private reserved(): number {
    return this.sql.exec<{ n: number }>('SELECT COALESCE(SUM(nanos), 0) AS n FROM reservations').one().n;
  }
}
