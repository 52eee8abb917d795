import type { TimedEvent } from './cache-flight';
import { eventLine } from './cache-wire';

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

export interface CacheEntry {
  meta: EntryMeta;
  events: TimedEvent[];
}

/**
 * The one stored answer of a cache object: a single row (meta and events as JSON), so a hit is
 * one read. Depends only on `SqlStorage`, so it runs the same in a test.
 */
export class EntryStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS entry (id INTEGER PRIMARY KEY CHECK (id = 1), meta TEXT, events TEXT)');
  }

  /** The stored answer, unless it has expired. */
  read(now = Date.now()): CacheEntry | undefined {
    const row = this.sql.exec<{ meta: string; events: string }>('SELECT meta, events FROM entry').toArray()[0];
    if (!row) return undefined;
    const meta = JSON.parse(row.meta) as EntryMeta;
    if (meta.expiresAt <= now) return undefined;
    return { meta, events: JSON.parse(row.events) as TimedEvent[] };
  }

  write(entry: CacheEntry): void {
    const meta = JSON.stringify(entry.meta);
    const events = JSON.stringify(entry.events);
    this.sql.exec('INSERT OR REPLACE INTO entry (id, meta, events) VALUES (1, ?, ?)', meta, events);
  }

  delete(): void {
    this.sql.exec('DELETE FROM entry');
  }
}

const bytes = new TextEncoder();

/** Input and output tokens the provider reported for the stored generation (its last usage wins). */
export function tokensOf(events: readonly TimedEvent[]): Pick<EntryMeta, 'inputTokens' | 'outputTokens'> {
  const out: Pick<EntryMeta, 'inputTokens' | 'outputTokens'> = {};
  for (const [, event] of events) {
    const usage = event.type === 'usage' || event.type === 'start' ? event.usage : undefined;
    if (usage?.inputTokens !== undefined) out.inputTokens = usage.inputTokens;
    if (usage?.outputTokens !== undefined) out.outputTokens = usage.outputTokens;
  }
  return out;
}

/**
 * A hit's events as the Worker reads them: all at once by default, or each at its recorded
 * offset after the first (`paced`), so a client sees the pace the provider had.
 */
export function replayStream(events: readonly TimedEvent[], paced: boolean): ReadableStream<Uint8Array> {
  if (!paced) {
    const body = bytes.encode(events.map(([, event]) => eventLine(event)).join(''));
    return new ReadableStream({
      start(controller) {
        controller.enqueue(body);
        controller.close();
      },
    });
  }
  let next = 0;
  const startedAt = Date.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next >= events.length) return controller.close();
        const due = startedAt + (events[next]?.[0] ?? 0) - Date.now();
        if (due > 0) await new Promise<void>((resolve) => (timer = setTimeout(resolve, due)));
        let out = '';
        const now = Date.now() - startedAt;
        for (; next < events.length && (events[next]?.[0] ?? 0) <= now; next++)
          out += eventLine((events[next] as TimedEvent)[1]);
        controller.enqueue(bytes.encode(out));
      },
      cancel() {
        clearTimeout(timer);
      },
    },
    { highWaterMark: 0 },
  );
}
