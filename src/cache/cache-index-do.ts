import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';

/** The purge index is one object: purges are rare admin calls, and each commit adds one row. */
const INDEX_NAME = 'index';
/** Expired rows are dropped at most this often: each add must stay one indexed write. */
const PRUNE_EVERY_MS = 60_000;

/** The one index object, or undefined where the gateway runs without the binding. */
export function purgeIndex(env: Bindings) {
  const namespace = env.CACHE_INDEX;
  return namespace?.get(namespace.idFromName(INDEX_NAME));
}

/**
 * Which cache objects hold an entry, and for which model: a cache object per key cannot be
 * listed, so purging by model or all reads the keys here. Rows past their expiry go as new ones
 * come in.
 */
export class CacheIndexDO extends DurableObject<Bindings> {
  private prunedAt = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, model TEXT NOT NULL, expires_at INTEGER NOT NULL)',
    );
    ctx.storage.sql.exec('CREATE INDEX IF NOT EXISTS entries_model ON entries (model)');
    ctx.storage.sql.exec('CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at)');
  }

  add(key: string, model: string, expiresAt: number): void {
    const { sql } = this.ctx.storage;
    const now = Date.now();
    if (now - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now;
      sql.exec('DELETE FROM entries WHERE expires_at <= ?', now);
    }
    sql.exec('INSERT OR REPLACE INTO entries (key, model, expires_at) VALUES (?, ?, ?)', key, model, expiresAt);
  }

  /** Removes and returns the keys of one model's entries, or of all of them. */
  take(model?: string): string[] {
    const { sql } = this.ctx.storage;
    const rows =
      model === undefined
        ? sql.exec<{ key: string }>('DELETE FROM entries RETURNING key')
        : sql.exec<{ key: string }>('DELETE FROM entries WHERE model = ? RETURNING key', model);
    return rows.toArray().map((row) => row.key);
  }
}
