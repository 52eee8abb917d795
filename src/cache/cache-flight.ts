import type { StreamEvent } from '../stream/events';
import { eventLine } from './cache-wire';

/** What the provider reported it spent on the generation (its last usage wins). */
export interface Spent {
  inputTokens?: number;
  outputTokens?: number;
}

const bytes = new TextEncoder();

/**
 * One upstream generation in flight inside its cache object: the decoded events so far, and
 * every client reading them. A client that joins late gets everything so far, then the live
 * tail; when the last one leaves before the end, `onDeserted` aborts the upstream.
 */
export class Flight {
  /** Names this generation in the readers' reports (see CommitGate). */
  readonly id = crypto.randomUUID();
  /** Each event as its line of the cache wire: what readers get, and what an entry stores. */
  readonly lines: string[] = [];
  /** Each event's arrival, in ms after the first: the recorded pace. */
  readonly offsets: number[] = [];
  readonly spent: Spent = {};
  /** Length of the lines so far, in UTF-16 units: never more than their UTF-8 bytes in storage. */
  size = 0;
  ended = false;
  private firstAt: number | undefined;
  private readers = 0;
  private waiting = new Set<() => void>();

  constructor(private readonly onDeserted: () => void) {}

  get listeners(): number {
    return this.readers;
  }

  append(event: StreamEvent): void {
    const now = Date.now();
    this.firstAt ??= now;
    const line = eventLine(event);
    this.offsets.push(now - this.firstAt);
    this.lines.push(line);
    const usage = event.type === 'usage' || event.type === 'start' ? event.usage : undefined;
    if (usage?.inputTokens !== undefined) this.spent.inputTokens = usage.inputTokens;
    if (usage?.outputTokens !== undefined) this.spent.outputTokens = usage.outputTokens;
    this.size += line.length;
    this.wake();
  }

  /** No more events: readers drain what is there and close. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Everything so far, then each event as it comes, until the end. */
  stream(): ReadableStream<Uint8Array> {
    let next = 0;
    let reading = true;
    this.readers++;
    const leave = () => {
      if (!reading) return;
      reading = false;
      this.readers--;
      if (this.readers === 0 && !this.ended) this.onDeserted();
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (next >= this.lines.length && !this.ended)
            await new Promise<void>((resolve) => this.waiting.add(resolve));
          if (!reading) return;
          if (next < this.lines.length) {
            controller.enqueue(bytes.encode(this.lines.slice(next).join('')));
            next = this.lines.length;
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

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = new Set();
    for (const resolve of waiting) resolve();
  }
}
