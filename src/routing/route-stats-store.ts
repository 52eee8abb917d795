import { applySample, type Sample, type TargetStats } from './target-stats';

/**
 * Rows for targets nobody has used for a day are dropped: the alias that named them is probably
 * gone, and a day-old estimate is stale anyway.
 */
const FORGET_AFTER_MS = 24 * 60 * 60_000;

interface Row extends Record<string, SqlStorageValue> {
  target: string;
  ttft_ms: number | null;
  error_rate: number;
  samples: number;
  updated_at: number;
}

const fromRow = (row: Row): TargetStats => ({
  target: row.target,
  ttftMs: row.ttft_ms,
  errorRate: row.error_rate,
  samples: row.samples,
  updatedAt: row.updated_at,
});

/**
 * Every target's estimates, in the route-stats Durable Object's SQLite storage so that a restart
 * keeps what was learned. Only latency-routed aliases report, so the rows are bounded by the config.
 */
export class RouteStatsStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS target_stats (
      target TEXT PRIMARY KEY, ttft_ms REAL, error_rate REAL NOT NULL, samples INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
  }

  record(samples: readonly Sample[], now: number): void {
    for (const sample of samples) {
      const previous = this.sql.exec<Row>('SELECT * FROM target_stats WHERE target = ?', sample.target).toArray()[0];
      const next = applySample(previous && fromRow(previous), sample, now);
      this.sql.exec(
        'INSERT OR REPLACE INTO target_stats (target, ttft_ms, error_rate, samples, updated_at) VALUES (?, ?, ?, ?, ?)',
        next.target,
        next.ttftMs,
        next.errorRate,
        next.samples,
        next.updatedAt,
      );
    }
    this.sql.exec('DELETE FROM target_stats WHERE updated_at < ?', now - FORGET_AFTER_MS);
  }

  all(): TargetStats[] {
    return this.sql.exec<Row>('SELECT * FROM target_stats ORDER BY target').toArray().map(fromRow);
  }
}
