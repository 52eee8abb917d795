import type { SequencedEvent, SessionEvent } from './session-events';

/**
 * Largest segment body, in UTF-8 bytes. SQLite rows in a Durable Object are limited to 2 MB, but
 * every append rewrites the open segment's row, so this bounds the cost of an append. 64 KiB is
 * about 1,800 token events: a typical reply is one or two rows.
 */
export const SEGMENT_MAX_BYTES = 64 * 1024;

/** The last turns kept for replay; older turns are only in the history. */
export const RETAIN_TURNS = 3;

/**
 * Events wait in memory until this many are pending, this long has passed since the first of
 * them, or the turn ends. A write per event cost ~330 µs of CPU per event and held every viewer
 * write behind its commit (bench:report, session mode: 1.6k vs 11k events/s without the writes).
 * What a crash can lose is the unwritten tail of a turn that the crash ends anyway.
 */
export const FLUSH_EVENTS = 64;
export const FLUSH_AFTER_MS = 200;

export interface ReplayLogOptions {
  segmentMaxBytes?: number;
  retainTurns?: number;
  flushEvents?: number;
  flushAfterMs?: number;
  /** The clock for `flushAfterMs`. */
  now?: () => number;
}

export interface ReplayResult {
  /** Every retained event with a greater seq, oldest first. */
  events: SequencedEvent[];
  /** Some events right after the given seq were pruned: the client cannot get them back. */
  truncated: boolean;
}

interface OpenSegment {
  /** The row, once inserted. */
  id: number | undefined;
  turnId: string;
  firstSeq: number;
  /** UTF-8 bytes of the body, stored and pending; -1 when empty, as the first line has no newline. */
  bytes: number;
  /** Lines added by the current append, written in one statement at its end. */
  pending: string[];
}

interface SegmentRow extends Record<string, SqlStorageValue> {
  turn_id: string;
  first_seq: number;
  part: number | null;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A session's events, stored so a client can reconnect with Last-Event-ID and get exactly what
 * it missed. A segment row holds consecutive events of one turn, one JSON per line (JSON never
 * contains a raw newline). An event larger than a segment is stored whole across several rows
 * (`part` 0, 1, …: its JSON cut at UTF-8 character boundaries), so events are never rewritten or
 * refused and replay returns the same events the live viewers got.
 *
 * Seqs are 1, 2, 3, … across the session's life, derived from storage, so they survive restarts.
 * Writes are batched (see FLUSH_EVENTS); reads see pending events too. A seq is handed out only
 * once storage has reserved it (`reserved_seq`, a few dozen ahead while a turn runs, exact when
 * it ends): after a crash mid-turn the seq resumes past every seq a viewer may have seen, so a
 * reconnecting client never gets a number twice; after a clean end it continues without a gap.
 * Retention: `prune()` keeps the `retainTurns` turns with the most recent events and deletes the
 * segments of older turns. The turn holding the highest seq is always kept, so the seq never
 * goes backwards.
 */
export class ReplayLog {
  private readonly segmentMaxBytes: number;
  private readonly retainTurns: number;
  private readonly flushEvents: number;
  private readonly flushAfterMs: number;
  private readonly now: () => number;
  private seq = 0;
  /** Seqs up to this one may have reached viewers (stored in replay_meta). */
  private reserved = 0;
  /** The newest row when it can take more lines; undefined after a multi-part event. */
  private open: OpenSegment | undefined;
  /** Events appended since the last flush, and when the first of them was. */
  private unflushed = 0;
  private unflushedSince = 0;

  constructor(
    private readonly sql: SqlStorage,
    options: ReplayLogOptions = {},
  ) {
    this.segmentMaxBytes = options.segmentMaxBytes ?? SEGMENT_MAX_BYTES;
    this.retainTurns = options.retainTurns ?? RETAIN_TURNS;
    this.flushEvents = options.flushEvents ?? FLUSH_EVENTS;
    this.flushAfterMs = options.flushAfterMs ?? FLUSH_AFTER_MS;
    this.now = options.now ?? Date.now;
    // A part must hold one UTF-8 character (up to 4 bytes); a row must stay far from 2 MB.
    if (!(this.segmentMaxBytes >= 4 && this.segmentMaxBytes <= 1024 * 1024)) {
      throw new RangeError('segmentMaxBytes must be between 4 and 1 MiB');
    }
    if (!(Number.isInteger(this.retainTurns) && this.retainTurns >= 1)) {
      throw new RangeError('retainTurns must be a positive integer');
    }
    // No index: retention keeps the table to a few turns' rows.
    sql.exec(`CREATE TABLE IF NOT EXISTS replay_segments (
      id INTEGER PRIMARY KEY,
      turn_id TEXT NOT NULL,
      first_seq INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      part INTEGER,
      body TEXT NOT NULL
    )`);
    sql.exec(
      'CREATE TABLE IF NOT EXISTS replay_meta (id INTEGER PRIMARY KEY CHECK (id = 1), reserved_seq INTEGER NOT NULL)',
    );
    this.reserved = sql.exec<{ seq: number }>('SELECT reserved_seq AS seq FROM replay_meta').toArray()[0]?.seq ?? 0;
    this.restore();
  }

  /** Assigns the next seqs to `events` and stores them; returns them as viewers should see them. */
  append(turnId: string, events: readonly SessionEvent[]): SequencedEvent[] {
    const sequenced: SequencedEvent[] = [];
    let seq = this.seq;
    if (this.unflushed === 0) this.unflushedSince = this.now();
    this.unflushed += events.length;
    for (const event of events) {
      seq += 1;
      sequenced.push({ seq, turnId, event });
      const line = JSON.stringify(event);
      const bytes = encoder.encode(line);
      if (bytes.length > this.segmentMaxBytes) {
        this.flush(seq - 1);
        this.open = undefined;
        this.writeParts(turnId, seq, bytes);
        continue;
      }
      let open = this.open;
      // +1 for the newline before every line but the first.
      if (!open || open.turnId !== turnId || open.bytes + 1 + bytes.length > this.segmentMaxBytes) {
        this.flush(seq - 1);
        open = { id: undefined, turnId, firstSeq: seq, bytes: -1, pending: [] };
        this.open = open;
      }
      open.bytes += 1 + bytes.length;
      open.pending.push(line);
    }
    this.seq = seq;
    const ended = events.some((event) => event.type === 'finish' || event.type === 'error');
    if (
      ended ||
      seq > this.reserved ||
      this.unflushed >= this.flushEvents ||
      this.now() - this.unflushedSince >= this.flushAfterMs
    ) {
      this.flushAll();
      // Until the next flush at most flushEvents - 1 more seqs go out unwritten.
      this.reserve(ended ? seq : seq + this.flushEvents);
    }
    return sequenced;
  }

  /** Everything after `seq` (a client's Last-Event-ID), in order. */
  after(seq: number): ReplayResult {
    this.flushAll();
    const events = this.select('last_seq > ?', seq).filter((e) => e.seq > seq);
    const { first } = this.sql
      .exec<{ first: number | null }>('SELECT MIN(first_seq) AS first FROM replay_segments')
      .one();
    return { events, truncated: first !== null && first > seq + 1 };
  }

  /** One turn's retained events, in order. */
  turnEvents(turnId: string): SequencedEvent[] {
    this.flushAll();
    return this.select('turn_id = ?', turnId);
  }

  lastSeq(): number {
    return this.seq;
  }

  /** Applies the retention rule; the session object calls it when a new turn starts. */
  prune(): void {
    this.flushAll();
    this.sql.exec(
      `DELETE FROM replay_segments WHERE turn_id NOT IN (
        SELECT turn_id FROM replay_segments GROUP BY turn_id ORDER BY MAX(last_seq) DESC LIMIT ?)`,
      this.retainTurns,
    );
    this.restore();
  }

  private select(where: string, binding: string | number): SequencedEvent[] {
    const query = `SELECT turn_id, first_seq, part, body FROM replay_segments WHERE ${where} ORDER BY first_seq, id`;
    return decode(this.sql.exec<SegmentRow>(query, binding).toArray());
  }

  /** The seq and the open segment, from storage: after a restart, and after rows are deleted. */
  private restore(): void {
    const row = this.sql
      .exec<{ id: number; turn_id: string; first_seq: number; last_seq: number; part: number | null; bytes: number }>(
        `SELECT id, turn_id, first_seq, last_seq, part, length(CAST(body AS BLOB)) AS bytes
         FROM replay_segments ORDER BY last_seq DESC, id DESC LIMIT 1`,
      )
      .toArray()[0];
    this.seq = Math.max(this.seq, this.reserved, row?.last_seq ?? 0);
    // A segment's lines have consecutive seqs, so one that ends before a reserved gap stays closed.
    this.open =
      row && row.part === null && row.last_seq === this.seq
        ? { id: row.id, turnId: row.turn_id, firstSeq: row.first_seq, bytes: row.bytes, pending: [] }
        : undefined;
  }

  /** Writes every pending event. */
  private flushAll(): void {
    this.flush(this.seq);
    this.unflushed = 0;
  }

  private reserve(seq: number): void {
    if (seq === this.reserved) return;
    this.sql.exec(
      'INSERT INTO replay_meta (id, reserved_seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET reserved_seq = excluded.reserved_seq',
      seq,
    );
    this.reserved = seq;
  }

  /** Writes the open segment's pending lines: one INSERT or one UPDATE. */
  private flush(lastSeq: number): void {
    const open = this.open;
    if (!open || open.pending.length === 0) return;
    const lines = open.pending.join('\n');
    open.pending = [];
    if (open.id === undefined) {
      const insert =
        'INSERT INTO replay_segments (turn_id, first_seq, last_seq, body) VALUES (?, ?, ?, ?) RETURNING id';
      open.id = this.sql.exec<{ id: number }>(insert, open.turnId, open.firstSeq, lastSeq, lines).one().id;
    } else {
      const update = 'UPDATE replay_segments SET body = body || ?, last_seq = ? WHERE id = ?';
      this.sql.exec(update, `\n${lines}`, lastSeq, open.id);
    }
  }

  private writeParts(turnId: string, seq: number, bytes: Uint8Array): void {
    let start = 0;
    for (let part = 0; start < bytes.length; part++) {
      let end = Math.min(start + this.segmentMaxBytes, bytes.length);
      // Never cut inside a character: continuation bytes are 0b10xxxxxx.
      while (end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
      const body = decoder.decode(bytes.subarray(start, end));
      const insert = 'INSERT INTO replay_segments (turn_id, first_seq, last_seq, part, body) VALUES (?, ?, ?, ?, ?)';
      this.sql.exec(insert, turnId, seq, seq, part, body);
      start = end;
    }
  }
}

/** Rows (in first_seq, id order) back to events; the parts of one large event are consecutive. */
function decode(rows: readonly SegmentRow[]): SequencedEvent[] {
  const events: SequencedEvent[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as SegmentRow;
    if (row.part === null) {
      row.body.split('\n').forEach((line, offset) => {
        events.push({ seq: row.first_seq + offset, turnId: row.turn_id, event: JSON.parse(line) as SessionEvent });
      });
      continue;
    }
    let json = row.body;
    for (let next = rows[i + 1]; next && next.part !== null && next.first_seq === row.first_seq; next = rows[i + 1]) {
      json += next.body;
      i++;
    }
    events.push({ seq: row.first_seq, turnId: row.turn_id, event: JSON.parse(json) as SessionEvent });
  }
  return events;
}
