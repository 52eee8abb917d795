// Drives one response through a scenario. Fault injection lives here once;
// the wire modules only spell events.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Resumption } from './continuation.ts';
import { contentUnits, firstTokenDelay, type Scenario } from './scenario.ts';
import { KEEPALIVE_COMMENT, type Wire, type WireCtx } from './wire.ts';

type Timer = ReturnType<typeof setTimeout>;

/** Thrown through the driver when the response is gone; never escapes drive(). */
const ABORTED = new Error('fake-provider: response aborted');

/** One in-flight response and every timer it owns, so a hang-up or server
 * close can stop all of them at once. */
export class Conn {
  readonly res: ServerResponse;
  readonly chunk: number | null;
  aborted = false;
  /** Set when the server killed the socket on purpose (reset_after), so it isn't logged as a client hang-up. */
  selfDestroyed = false;
  private timers = new Set<Timer>();
  private wakers = new Set<() => void>();
  private queue: Promise<void> = Promise.resolve();
  private lastFlush: Promise<void> = Promise.resolve();

  /** Told how many body bytes each write handed to the socket (for backpressure tests). */
  private readonly onWrite: (bytes: number) => void;
  /** Told when the writer starts and stops waiting for 'drain' (backpressure holding it). */
  private readonly onDrainWait: (waiting: boolean) => void;

  constructor(
    res: ServerResponse,
    chunk: number | null,
    onWrite: (bytes: number) => void = () => {},
    onDrainWait: (waiting: boolean) => void = () => {},
  ) {
    this.res = res;
    this.chunk = chunk;
    this.onWrite = onWrite;
    this.onDrainWait = onDrainWait;
  }

  abort(): void {
    this.aborted = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of [...this.wakers]) wake();
  }

  /** Waits ms (Infinity = until aborted), optionally emitting SSE keep-alive comments meanwhile. */
  async sleep(ms: number, keepalive: number | null = null): Promise<void> {
    if (this.aborted) throw ABORTED;
    if (ms <= 0) return;
    const ok = await new Promise<boolean>((resolve) => {
      const owned: Timer[] = [];
      const done = (value: boolean): void => {
        for (const t of owned) {
          clearTimeout(t);
          this.timers.delete(t);
        }
        this.wakers.delete(wake);
        resolve(value);
      };
      const wake = (): void => done(false);
      this.wakers.add(wake);
      if (Number.isFinite(ms)) owned.push(setTimeout(() => done(true), ms));
      if (keepalive !== null)
        owned.push(setInterval(() => void this.write(KEEPALIVE_COMMENT).catch(() => {}), keepalive));
      for (const t of owned) this.timers.add(t);
    });
    if (!ok) throw ABORTED;
  }

  /** Serialised so keep-alive comments never interleave with a half-written chunked event. */
  write(text: string): Promise<void> {
    const next = this.queue.then(() => this.writeNow(text));
    this.queue = next.catch(() => {});
    return next;
  }

  private async writeNow(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    const step = this.chunk ?? buf.length;
    for (let off = 0; off < buf.length; off += step) {
      if (this.aborted) throw ABORTED;
      const piece = buf.subarray(off, off + step);
      let flushed!: () => void;
      this.lastFlush = new Promise<void>((r) => (flushed = r));
      const ok = this.res.write(piece, () => flushed());
      this.onWrite(piece.length);
      if (!ok) {
        this.onDrainWait(true);
        await this.drained();
        this.onDrainWait(false);
      }
      // Yield between pieces so each one leaves as its own TCP segment.
      if (this.chunk !== null) await new Promise<void>((r) => setImmediate(r));
    }
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done).off('close', done);
        resolve();
      };
      this.res.on('drain', done).on('close', done);
    });
  }

  async end(): Promise<void> {
    await this.queue;
    if (this.aborted) throw ABORTED;
    this.res.end();
  }

  /** Abrupt close after the already-written bytes reach the client. */
  async destroy(): Promise<void> {
    await this.queue;
    await this.lastFlush;
    this.selfDestroyed = true;
    this.res.socket?.destroy();
    this.abort();
  }
}

export type DriveOpts = {
  wire: Wire;
  ctx: WireCtx;
  scenario: Scenario;
  stream: boolean;
  /** True when this attempt should fail with scenario.status. */
  fail: boolean;
  /** Provider-specific headers added to every response (request ids). */
  headers: Record<string, string>;
  /** A continuation: the reply goes on from here (continuation.ts). */
  resume?: Resumption;
};

export async function drive(conn: Conn, o: DriveOpts): Promise<void> {
  try {
    await run(conn, o);
  } catch (err) {
    if (err !== ABORTED) throw err;
  }
}

async function run(conn: Conn, o: DriveOpts): Promise<void> {
  const { wire, ctx, scenario: s } = o;
  await conn.sleep(s.headerDelay);
  if (o.fail && s.status !== null) {
    const headers: Record<string, string> = { ...o.headers, 'content-type': 'application/json' };
    if (s.retryAfter !== null) headers['retry-after'] = String(s.retryAfter);
    const body = wire.errorBody(s.status, null);
    conn.res.writeHead(s.status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    await conn.write(body);
    return conn.end();
  }
  const units = contentUnits(s);
  if (!o.stream) return runJson(conn, o, units);

  conn.res.writeHead(200, {
    ...o.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  conn.res.flushHeaders();
  await conn.sleep(firstTokenDelay(s), s.keepalive);
  if (s.replay !== null) {
    await conn.write(readFileSync(new URL(`../fixtures/${s.replay}.sse`, import.meta.url), 'utf8'));
    return conn.end();
  }
  if (s.errorFirst) {
    await conn.write(wire.streamError(ctx));
    return conn.end();
  }
  await conn.write(wire.preamble(ctx));
  const from = o.resume ?? { start: 0, head: units[0] ?? '', prefix: '' };
  if (!o.resume && (await fault(conn, o, 0))) return;
  // Mistral's continuation repeats its prefix before going on.
  const first = s.echo ? from.prefix + from.head : from.head;
  for (let i = from.start; i < units.length; i++) {
    if (i > from.start) await conn.sleep(s.gap);
    const text = i === from.start ? first : (units[i] ?? '');
    await conn.write(i === s.malformedAt ? wire.malformed() : wire.unit(ctx, i, text));
    // A prefix that ended inside this unit came from the fault right after it: not met again.
    const resumedInside = o.resume !== undefined && i === from.start && from.head !== units[i];
    if (!resumedInside && (await fault(conn, o, i + 1))) return;
  }
  if (!s.noFinish) await conn.write(wire.finish(ctx, s.finish, units.length - from.start, !s.errorAfterFinish));
  if (s.errorAfterFinish) await conn.write(wire.streamError(ctx));
  return conn.end();
}

/** Faults that trigger once `sent` units are out. True = response is over. */
async function fault(conn: Conn, o: DriveOpts, sent: number): Promise<boolean> {
  const s = o.scenario;
  if (s.resetAfter === sent) {
    await conn.destroy();
    return true;
  }
  if (s.stallAfter === sent) {
    await conn.sleep(Number.POSITIVE_INFINITY, s.keepalive);
    return true;
  }
  if (s.errorAfter === sent) {
    await conn.write(o.wire.streamError(o.ctx));
    await conn.end();
    return true;
  }
  if (s.truncateAfter === sent) {
    await conn.end();
    return true;
  }
  return false;
}

/** Non-streaming: the whole generation time passes before the headers, like the real APIs. */
async function runJson(conn: Conn, o: DriveOpts, units: string[]): Promise<void> {
  const s = o.scenario;
  await conn.sleep(firstTokenDelay(s) + s.gap * Math.max(0, units.length - 1));
  if (s.resetAfter !== null) return conn.destroy();
  if (s.stallAfter !== null) return conn.sleep(Number.POSITIVE_INFINITY);
  const body =
    s.malformedAt !== null ? '{not json' : o.wire.complete(o.ctx, s.tool ? '' : units.join(''), s.finish, units.length);
  conn.res.writeHead(200, {
    ...o.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  });
  await conn.write(body);
  return conn.end();
}
