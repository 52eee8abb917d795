/** What a stored answer saves each hit, and who produced it (the hit's log record names them). */
export interface EntryMeta {
  provider: string;
  model: string;
  /** The generation's upstream time, its start to its last event: what a hit does not wait for. */
  upstreamMs: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Fields the provider could not take and left out: a hit names them as the miss did. */
  dropped?: readonly string[];
  createdAt: number;
  expiresAt: number;
}

/** A stored answer: its events as cache-wire lines (one JSON event each) and when each came. */
export interface CacheEntry {
  meta: EntryMeta;
  lines: string;
  offsets: number[];
}

/** Which entries a purge drops: one key's, one model's (as clients address it), or all. */
export type PurgeTarget = { key: string } | { model: string } | { all: true };

/**
 * The stored answers of one cache shard, a row each, so a hit is one read; the events stay the
 * lines readers get, so a hit neither parses nor re-serialises them. Depends only on
 * `SqlStorage`, so it runs the same in a test.
 */
export class EntryStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      key TEXT PRIMARY KEY, model TEXT NOT NULL, expires_at INTEGER NOT NULL,
      meta TEXT NOT NULL, lines TEXT NOT NULL, offsets TEXT NOT NULL)`);
    sql.exec('CREATE INDEX IF NOT EXISTS entries_model ON entries (model)');
    sql.exec('CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at)');
  }

  /** The stored answer of `key`, unless it has expired. */
  read(key: string, now = Date.now()): CacheEntry | undefined {
    const row = this.sql
      .exec<{ meta: string; lines: string; offsets: string }>(
        'SELECT meta, lines, offsets FROM entries WHERE key = ? AND expires_at > ?',
        key,
        now,
      )
      .toArray()[0];
    if (!row) return undefined;
    return { meta: JSON.parse(row.meta) as EntryMeta, lines: row.lines, offsets: JSON.parse(row.offsets) as number[] };
  }

  write(key: string, model: string, entry: CacheEntry): void {
    const { meta, lines, offsets } = entry;
    this.sql.exec(
      'INSERT OR REPLACE INTO entries (key, model, expires_at, meta, lines, offsets) VALUES (?, ?, ?, ?, ?, ?)',
      ...[key, model, meta.expiresAt, JSON.stringify(meta), lines, JSON.stringify(offsets)],
    );
  }

  /** Drops what `target` names; returns how many entries went. */
  purge(target: PurgeTarget): number {
    const cursor =
      'key' in target
        ? this.sql.exec('DELETE FROM entries WHERE key = ? RETURNING key', target.key)
        : 'model' in target
          ? this.sql.exec('DELETE FROM entries WHERE model = ? RETURNING key', target.model)
          : this.sql.exec('DELETE FROM entries RETURNING key');
    return cursor.toArray().length;
  }

  /** Drops the expired entries; returns when the next one expires, if any is left. */
  prune(now = Date.now()): number | undefined {
    this.sql.exec('DELETE FROM entries WHERE expires_at <= ?', now);
    const next = this.sql.exec<{ at: number | null }>('SELECT MIN(expires_at) AS at FROM entries').one().at;
    return next ?? undefined;
  }
}

const bytes = new TextEncoder();
/** A replayed answer goes to the Worker in pieces of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/**
 * A hit's events as the Worker reads them: all at once by default, or each at its recorded
 * offset after the first (`paced`), so a client sees the pace the provider had.
 */
export function replayStream(entry: CacheEntry, paced: boolean): ReadableStream<Uint8Array> {
  if (!paced) {
    // At most about CHUNK_CHARS a read, cut after a line: a large answer is not one allocation per reader.
    let from = 0;
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (from >= entry.lines.length) return controller.close();
          const cut = entry.lines.indexOf('\n', from + CHUNK_CHARS - 1);
          const to = cut === -1 ? entry.lines.length : cut + 1;
          controller.enqueue(bytes.encode(entry.lines.slice(from, to)));
          from = to;
        },
      },
      { highWaterMark: 0 },
    );
  }
  // A line is one JSON.stringify'd event: any newline inside it is escaped.
  const lines = entry.lines.split('\n').slice(0, entry.offsets.length);
  const due = (index: number) => entry.offsets[index] ?? 0;
  let next = 0;
  const startedAt = Date.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next >= lines.length) return controller.close();
        const wait = startedAt + due(next) - Date.now();
        if (wait > 0) await new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
        let out = '';
        const now = Date.now() - startedAt;
        for (; next < lines.length && due(next) <= now; next++) out += `${lines[next]}\n`;
        controller.enqueue(bytes.encode(out));
      },
      cancel() {
        clearTimeout(timer);
      },
    },
    { highWaterMark: 0 },
  );
}
