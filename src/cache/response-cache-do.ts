import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';
import { asGatewayError } from '../errors/gateway-error';
import { type PumpOutcome, UpstreamPump } from '../pipeline/upstream-pump';
import { registryFor } from '../providers/registry';
import { type AttemptRecord, connect } from '../routing/connect';
import { ORIGIN } from '../schema/client-origin';
import { type CacheAnswer, type CacheCall, type CacheFailure, type CacheHead, failureOf } from './cache-call';
import { type CacheEntry, EntryStore, type PurgeTarget, replayStream } from './cache-entry';
import { Flight } from './cache-flight';
import { CommitGate } from './commit-gate';

/** A generation whose readers may still report how it ended: what decides whether it is stored. */
interface Pending {
  key: string;
  model: string;
  gate: CommitGate;
  /** Purged while in flight: served to its readers, never stored. */
  purged: boolean;
  /** Lets a finished generation go: no longer joinable (see `run`). */
  release: () => void;
}

/** One generation in flight, for one cache key. */
interface Current {
  pending: Pending;
  flight: Flight;
  /** Resolves when the upstream is connected (or failed): what a client that joins waits for. */
  head: Promise<CacheHead | { error: CacheFailure }>;
}

const utf8 = new TextEncoder();

/**
 * Generations whose readers may still report; the oldest are forgotten beyond this many (not
 * stored, if still unreported). A finished one holds its answer (≤ the size cap) until a report
 * comes, normally within milliseconds: this bounds what lost reports could hold in memory.
 */
const REPORTS_KEPT = 64;

/**
 * And the oldest finished ones are forgotten while they hold more than this many characters in
 * all (UTF-16, twice over with the joinable flight's lines): 64 answers at the size cap would
 * come near an isolate's 128 MB.
 */
export const PENDING_CHARS = 8 * 1024 * 1024;

/**
 * A finished generation stays joinable from its lines until the gate stores or vetoes it, so an
 * identical request in between does not call the provider again; at most this long, since the
 * report waits for its reader's client to take the end.
 */
const JOINABLE_AFTER_END_MS = 10_000;

const matches = (target: PurgeTarget, pending: Pending) =>
  'all' in target || ('key' in target ? target.key === pending.key : target.model === pending.model);

/**
 * A cache shard (see cache-shards.ts): the stored answers of its keys, and per key the generation
 * in flight that every identical request joins (request collapsing). It calls the provider
 * itself, so the upstream outlives the first client: it runs while anyone reads it, and is
 * aborted when the last leaves. Only a generation that finished cleanly, and that a reader relayed
 * to a clean end, is stored.
 */
export class ResponseCacheDO extends DurableObject<Bindings> {
  private readonly store: EntryStore;
  /** By cache key. */
  private readonly flying = new Map<string, Current>();
  /** By flight id: generations that readers report on (without their events: those go once the flight ends). */
  private readonly reports = new Map<string, Pending>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.store = new EntryStore(ctx.storage.sql);
  }

  async open(call: CacheCall): Promise<CacheAnswer> {
    const entry = this.store.read(call.key);
    if (entry) {
      const { meta } = entry;
      const attempts: AttemptRecord[] = [{ provider: meta.provider, model: meta.model }];
      const saved = { upstreamMs: meta.upstreamMs, inputTokens: meta.inputTokens, outputTokens: meta.outputTokens };
      const body = replayStream(entry, call.paced);
      const { provider, model, dropped } = meta;
      return { status: 'hit', body, provider, model, attempts, ttftMs: 0, saved, dropped };
    }
    const current = this.flying.get(call.key);
    // One too large to keep no longer has its beginning: a request for it starts its own.
    if (!current?.flight.whole) return this.lead(call);
    const body = current.flight.stream();
    const head = await current.head;
    if ('error' in head) {
      await body.cancel();
      return { status: 'error', error: head.error, attempts: [] };
    }
    const flight = current.flight.id;
    return { status: 'collapsed', body, flight, ...head, attempts: [{ provider: head.provider, model: head.model }] };
  }

  /** How a reader's relay of generation `flight` ended: what decides whether it is stored. */
  report(flight: string, outcome: PumpOutcome): void {
    this.reports.get(flight)?.gate.report(outcome);
  }

  /** Drops stored answers; a generation in flight still serves its readers but is not stored. */
  purge(target: PurgeTarget): number {
    for (const [id, pending] of this.reports) {
      if (!matches(target, pending)) continue;
      pending.purged = true;
      // A finished generation still waiting for its readers' reports is neither stored nor joined.
      pending.gate.veto();
      this.reports.delete(id);
    }
    return this.store.purge(target);
  }

  override async alarm(): Promise<void> {
    const next = this.store.prune();
    if (next !== undefined) await this.ctx.storage.setAlarm(next);
  }

  /** Stores an answer; one the storage refuses (a row over its limit) is simply not kept. */
  private keep(pending: Pending, entry: CacheEntry): void {
    if (pending.purged) return;
    try {
      this.store.write(pending.key, pending.model, entry);
    } catch (error) {
      console.error(JSON.stringify({ type: 'cache_write_failed', error: String(error).slice(0, 200) }));
      return;
    }
    this.ctx.waitUntil(this.expireAt(entry.meta.expiresAt));
  }

  private async expireAt(at: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || at < alarm) await this.ctx.storage.setAlarm(at);
  }

  private track(current: Current): void {
    this.flying.set(current.pending.key, current);
    this.reports.set(current.flight.id, current.pending);
    this.forgetOldest();
  }

  /** Forgets the oldest generations awaiting reports beyond REPORTS_KEPT, and finished ones beyond PENDING_CHARS. */
  private forgetOldest(): void {
    let held = 0;
    for (const pending of this.reports.values()) held += pending.gate.holding;
    for (const [id, pending] of this.reports) {
      const over = this.reports.size > REPORTS_KEPT;
      if (!over && held <= PENDING_CHARS) break;
      if (!over && pending.gate.holding === 0) continue;
      held -= pending.gate.holding;
      pending.gate.veto();
      this.reports.delete(id);
    }
  }

  private async lead(call: CacheCall): Promise<CacheAnswer> {
    const abort = new AbortController();
    let pump: UpstreamPump | undefined;
    const flight = new Flight(() => {
      // Let go at once: a request arriving now starts afresh instead of joining a stream being torn down.
      this.letGo(call.key, current);
      abort.abort(new Error('every client left'));
      pump?.cancel('client_cancelled');
    }, call.maxEntryBytes);
    let settle: (head: CacheHead | { error: CacheFailure }) => void = () => {};
    const head = new Promise<CacheHead | { error: CacheFailure }>((resolve) => (settle = resolve));
    const pending: Pending = {
      key: call.key,
      model: call.model,
      gate: new CommitGate(
        (entry) => this.keep(pending, entry),
        () => pending.release(),
      ),
      purged: false,
      release: () => {},
    };
    // Reports keep only `pending`: the flight's events go when the flight is let go.
    const current: Current = { pending, flight, head };
    this.track(current);
    const body = flight.stream();
    const attempts: AttemptRecord[] = [];
    const request = call.origin ? { ...call.request, [ORIGIN]: call.origin } : call.request;
    try {
      const connection = await connect({
        registry: registryFor(this.env),
        targets: call.targets,
        request,
        clientSignal: abort.signal,
        firstByteTimeoutMs: call.firstByteTimeoutMs,
        retry: call.retry,
        attempts,
        hedge: call.hedge,
      });
      const connected: CacheHead = {
        provider: connection.provider.id,
        model: connection.model,
        attempts,
        ttftMs: connection.ttftMs,
        upstreamRequestId: connection.upstreamRequestId,
        dropped: connection.dropped,
      };
      settle(connected);
      pump = new UpstreamPump(connection, (event) => flight.append(event), call.idleTimeoutMs);
      const startedAt = Date.now() - connection.ttftMs;
      this.ctx.waitUntil(this.run(call, current, pump, connected, startedAt));
      return { status: 'miss', body, flight: flight.id, ...connected };
    } catch (error) {
      const failure = failureOf(asGatewayError(error));
      this.letGo(call.key, current);
      settle({ error: failure });
      await body.cancel();
      return { status: 'error', error: failure, attempts };
    }
  }

  /** Reads the upstream to its end for every reader; a clean finish goes to the commit gate. */
  private async run(call: CacheCall, current: Current, pump: UpstreamPump, head: CacheHead, startedAt: number) {
    const { flight } = current;
    try {
      // Half the idle timeout: a reader that lags longer is cut before the upstream's idle timer fires.
      while (await pump.step()) await flight.drained(call.idleTimeoutMs / 2);
    } catch (error) {
      const failure = asGatewayError(error);
      // A cut stream already reads as one to the Worker (no finish); any other failure is told.
      if (pump.outcome !== 'truncated')
        flight.append({ type: 'error', error: { code: failure.code, message: failure.message } });
    } finally {
      const handed = this.handToGate(call, current, pump, head, startedAt);
      this.forgetOldest();
      // Until the gate decides, a request arriving now joins the finished flight (its lines), then finds the entry.
      if (handed && current.pending.gate.undecided) {
        const timer = setTimeout(() => current.pending.release(), JOINABLE_AFTER_END_MS);
        current.pending.release = () => {
          clearTimeout(timer);
          this.letGo(call.key, current);
        };
      } else this.letGo(call.key, current);
      flight.end();
    }
  }

  /** A clean finish that may be stored goes to the commit gate; true if it went. */
  private handToGate(call: CacheCall, current: Current, pump: UpstreamPump, head: CacheHead, startedAt: number) {
    const { flight, pending } = current;
    // The flight's length never exceeds the bytes, so only an answer that may fit has its bytes counted.
    const lines = pump.outcome === 'finished' && !pending.purged ? flight.text() : undefined;
    if (lines === undefined || utf8.encode(lines).length > call.maxEntryBytes) return false;
    const now = Date.now();
    const { provider, model, dropped } = head;
    const meta = { provider, model, dropped, upstreamMs: now - startedAt, createdAt: now };
    const expiresAt = now + call.ttlS * 1000;
    pending.gate.finished({ meta: { ...meta, expiresAt, ...flight.spent }, lines, offsets: [...flight.offsets] });
    return true;
  }

  private letGo(key: string, current: Current): void {
    if (this.flying.get(key) === current) this.flying.delete(key);
  }
}
