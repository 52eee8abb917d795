/** What a stored answer saves each hit, and who produced it (the hit's log record names them). */
export interface EntryMeta {
  provider: string;
  model: string;
  /** The generation's upstream time, its start to its last event: what a hit does not wait for. */
  upstreamMs: number;
  inputTokens?: number;
  outputTokens?: number;
  createdAt: number;
  expiresAt: number;
}

/** A stored answer: its events as cache-wire lines (one JSON event each) and when each came. */
export interface CacheEntry {
  meta: EntryMeta;
  lines: string;
  offsets: number[];
}

/**
 * The one stored answer of a cache object: a single row, so a hit is one read, and the events
 * stay the lines readers get, so a hit neither parses nor re-serialises them. Depends only on
 * `SqlStorage`, so it runs the same in a test.
 */
export class EntryStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY CHECK (id = 1), meta TEXT, lines TEXT, offsets TEXT)',
    );
  }

  /** The stored answer, unless it has expired. */
  read(now = Date.now()): CacheEntry | undefined {
    const row = this.sql
      .exec<{ meta: string; lines: string; offsets: string }>('SELECT meta, lines, offsets FROM entry')
      .toArray()[0];
    if (!row) return undefined;
    const meta = JSON.parse(row.meta) as EntryMeta;
    if (meta.expiresAt <= now) return undefined;
    return { meta, lines: row.lines, offsets: JSON.parse(row.offsets) as number[] };
  }

  write(entry: CacheEntry): void {
    const { meta, lines, offsets } = entry;
    const values = [JSON.stringify(meta), lines, JSON.stringify(offsets)];
    this.sql.exec('INSERT OR REPLACE INTO entry (id, meta, lines, offsets) VALUES (1, ?, ?, ?)', ...values);
  }

  delete(): void {
    this.sql.exec('DELETE FROM entry');
  }
}

const bytes = new TextEncoder();

/**
 * A hit's events as the Worker reads them: all at once by default, or each at its recorded
 * offset after the first (`paced`), so a client sees the pace the provider had.
 */
export function replayStream(entry: CacheEntry, paced: boolean): ReadableStream<Uint8Array> {
  if (!paced) {
    const body = bytes.encode(entry.lines);
    return new ReadableStream({
      start(controller) {
        controller.enqueue(body);
        controller.close();
      },
    });
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
