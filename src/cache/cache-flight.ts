import type { StreamEvent } from '../stream/events';
import { eventLine } from './cache-wire';

/** What the provider reported it spent on the generation (its last usage wins). */
export interface Spent {
  inputTokens?: number;
  outputTokens?: number;
}

/**
 * The upstream is read while every reader has less than this left to take: a slow client slows
 * its generation as it would its own stream, instead of the object holding the rest in memory.
 */
export const BACKLOG_CHARS = 1024 * 1024;

/** At most this much goes to a reader per read, so a reader far behind takes it in pieces, as from a socket. */
const CHUNK_CHARS = 64 * 1024;

interface Reader {
  /** Index (in all lines ever appended) of the next line it gets. */
  next: number;
  /** Characters it has taken. */
  taken: number;
  /** Ends its stream with an error: it fell too far behind for too long. */
  cut: () => void;
}

const bytes = new TextEncoder();

/**
 * One upstream generation in flight inside its cache object: the decoded events so far, and
 * every client reading them. A client that joins late gets everything so far, then the live
 * tail; when the last one leaves before the end, `onDeserted` aborts the upstream. Past
 * `retainChars` (an answer too large to store) it is no longer joinable and keeps only what a
 * reader has yet to take.
 */
export class Flight {
  /** Names this generation in the readers' reports (see CommitGate). */
  readonly id = crypto.randomUUID();
  /** Each event's arrival, in ms after the first: the recorded pace. */
  readonly offsets: number[] = [];
  readonly spent: Spent = {};
  /** Length of the lines so far, in UTF-16 units: never more than their UTF-8 bytes in storage. */
  size = 0;
  ended = false;
  /** Each event as its line of the cache wire, from line `base` on. */
  private lines: string[] = [];
  private base = 0;
  private firstAt: number | undefined;
  private readonly readers = new Set<Reader>();
  private waiting = new Set<() => void>();

  constructor(
    private readonly onDeserted: () => void,
    private readonly retainChars = Number.POSITIVE_INFINITY,
  ) {}

  /** Everything is still here: a new reader may join, and the answer may be stored. */
  get whole(): boolean {
    return this.size <= this.retainChars;
  }

  /** The stored form of the answer, while it is whole. */
  text(): string | undefined {
    return this.whole ? this.lines.join('') : undefined;
  }

  append(event: StreamEvent): void {
    const now = Date.now();
    this.firstAt ??= now;
    const line = eventLine(event);
    this.lines.push(line);
    this.size += line.length;
    const usage = event.type === 'usage' || event.type === 'start' ? event.usage : undefined;
    if (usage?.inputTokens !== undefined) this.spent.inputTokens = usage.inputTokens;
    if (usage?.outputTokens !== undefined) this.spent.outputTokens = usage.outputTokens;
    if (this.whole) this.offsets.push(now - this.firstAt);
    else this.trim();
    this.wake();
  }

  /** No more events: readers drain what is there and close. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /**
   * Resolves once every reader has less than BACKLOG_CHARS left to take. A reader still that far
   * behind after `withinMs` is cut: while the upstream waits, its idle timeout runs, and one slow
   * client must not let it fire for everyone.
   */
  async drained(withinMs: number): Promise<void> {
    if (this.lagging().length === 0) return;
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      this.wake();
    }, withinMs);
    try {
      while (this.lagging().length > 0) {
        if (expired) for (const reader of this.lagging()) reader.cut();
        else await new Promise<void>((resolve) => this.waiting.add(resolve));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private lagging(): Reader[] {
    if (this.ended) return [];
    return [...this.readers].filter((reader) => this.size - reader.taken >= BACKLOG_CHARS);
  }

  /** Everything so far, then each event as it comes, until the end. */
  stream(): ReadableStream<Uint8Array> {
    let reading = true;
    const leave = () => {
      if (!reading) return;
      reading = false;
      this.readers.delete(reader);
      if (this.readers.size === 0 && !this.ended) this.onDeserted();
      this.wake();
    };
    let close = () => {};
    const reader: Reader = {
      next: this.base,
      taken: 0,
      // Closed without its finish: its Worker reads a cut stream and tells its client so.
      cut: () => {
        leave();
        close();
      },
    };
    this.readers.add(reader);
    const end = () => this.base + this.lines.length;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          close = () => controller.close();
        },
        pull: async (controller) => {
          while (reader.next >= end() && !this.ended) await new Promise<void>((resolve) => this.waiting.add(resolve));
          if (!reading) return;
          if (reader.next < end()) {
            let chunk = '';
            for (; reader.next < end() && chunk.length < CHUNK_CHARS; reader.next++)
              chunk += this.lines[reader.next - this.base];
            controller.enqueue(bytes.encode(chunk));
            reader.taken += chunk.length;
            if (!this.whole) this.trim();
            this.wake();
            return;
          }
          leave();
          controller.close();
        },
        cancel: leave,
      },
      { highWaterMark: 0 },
    );
  }

  /** Drops the lines every reader has taken (only once the answer is too large to keep). */
  private trim(): void {
    let taken = this.base + this.lines.length;
    for (const reader of this.readers) taken = Math.min(taken, reader.next);
    if (taken <= this.base) return;
    this.lines = this.lines.slice(taken - this.base);
    this.base = taken;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = new Set();
    for (const resolve of waiting) resolve();
  }
}
