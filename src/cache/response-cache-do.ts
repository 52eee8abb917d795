import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../app-env';
import { asGatewayError } from '../errors/gateway-error';
import { type PumpOutcome, UpstreamPump } from '../pipeline/upstream-pump';
import { registryFor } from '../providers/registry';
import { type AttemptRecord, connect } from '../routing/connect';
import { ORIGIN } from '../schema/client-origin';
import { type CacheAnswer, type CacheCall, type CacheFailure, type CacheHead, failureOf } from './cache-call';
import { type CacheEntry, EntryStore, replayStream } from './cache-entry';
import { Flight } from './cache-flight';
import { purgeIndex } from './cache-index-do';
import { CommitGate } from './commit-gate';

interface Current {
  flight: Flight;
  /** Resolves when the upstream is connected (or failed): what a client that joins waits for. */
  head: Promise<CacheHead | { error: CacheFailure }>;
  /** Purged while in flight: served to its readers, never stored. */
  purged: boolean;
}

const utf8 = new TextEncoder();

/** Reader reports go to their generation's gate; old ones are dropped beyond this many. */
const GATES_KEPT = 8;

/**
 * The cache object of one key: its stored answer, and the generation in flight that every
 * identical request joins (request collapsing). It calls the provider itself, so the upstream
 * outlives the first client: it runs while anyone reads it, and is aborted when the last leaves.
 * Only a generation that finished cleanly, and that its readers relayed to a clean end, is stored.
 */
export class ResponseCacheDO extends DurableObject<Bindings> {
  private readonly store: EntryStore;
  private current: Current | undefined;
  private readonly gates = new Map<string, CommitGate>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.store = new EntryStore(ctx.storage.sql);
  }

  async open(call: CacheCall): Promise<CacheAnswer> {
    const entry = this.store.read();
    if (entry) {
      const { meta } = entry;
      const attempts: AttemptRecord[] = [{ provider: meta.provider, model: meta.model }];
      const saved = { upstreamMs: meta.upstreamMs, inputTokens: meta.inputTokens, outputTokens: meta.outputTokens };
      const body = replayStream(entry, call.paced);
      return { status: 'hit', body, provider: meta.provider, model: meta.model, attempts, ttftMs: 0, saved };
    }
    const current = this.current;
    if (!current) return this.lead(call);
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
    this.gates.get(flight)?.report(outcome);
  }

  /** Drops the stored answer; a generation in flight still serves its readers but is not stored. */
  async purge(): Promise<void> {
    this.store.delete();
    if (this.current) this.current.purged = true;
    // A finished generation still waiting for its readers' reports is not stored either.
    this.gates.clear();
    await this.ctx.storage.deleteAlarm();
  }

  override async alarm(): Promise<void> {
    if (!this.store.read()) this.store.delete();
  }

  private gateFor(call: CacheCall, flight: string): CommitGate {
    const gate = new CommitGate(
      (entry) => this.keep(call, entry),
      () => this.store.delete(),
    );
    this.gates.set(flight, gate);
    for (const old of this.gates.keys()) if (this.gates.size > GATES_KEPT) this.gates.delete(old);
    return gate;
  }

  /** Stores an answer; one the storage refuses (a row over its limit) is simply not kept. */
  private keep(call: CacheCall, entry: CacheEntry): void {
    try {
      this.store.write(entry);
    } catch (error) {
      console.error(JSON.stringify({ type: 'cache_write_failed', error: String(error).slice(0, 200) }));
      return;
    }
    this.ctx.waitUntil(this.indexed(call, entry.meta.expiresAt));
  }

  private async indexed(call: CacheCall, expiresAt: number): Promise<void> {
    await this.ctx.storage.setAlarm(expiresAt);
    await purgeIndex(this.env)
      ?.add(call.key, call.model, expiresAt)
      .catch(() => {});
  }

  private async lead(call: CacheCall): Promise<CacheAnswer> {
    const abort = new AbortController();
    let pump: UpstreamPump | undefined;
    const flight = new Flight(() => {
      // Let go at once: a request arriving now starts afresh instead of joining a stream being torn down.
      if (this.current === current) this.current = undefined;
      abort.abort(new Error('every client left'));
      pump?.cancel('client_cancelled');
    });
    let settle: (head: CacheHead | { error: CacheFailure }) => void = () => {};
    const current: Current = { flight, head: new Promise((resolve) => (settle = resolve)), purged: false };
    this.current = current;
    const gate = this.gateFor(call, flight.id);
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
      const head: CacheHead = {
        provider: connection.provider.id,
        model: connection.model,
        attempts,
        ttftMs: connection.ttftMs,
        upstreamRequestId: connection.upstreamRequestId,
        dropped: connection.dropped,
      };
      settle(head);
      pump = new UpstreamPump(connection, (event) => flight.append(event), call.idleTimeoutMs);
      const startedAt = Date.now() - connection.ttftMs;
      this.ctx.waitUntil(this.run(call, current, pump, gate, startedAt));
      return { status: 'miss', body, flight: flight.id, ...head };
    } catch (error) {
      const failure = failureOf(asGatewayError(error));
      this.current = undefined;
      settle({ error: failure });
      await body.cancel();
      return { status: 'error', error: failure, attempts };
    }
  }

  /** Reads the upstream to its end for every reader; a clean finish goes to the commit gate. */
  private async run(call: CacheCall, current: Current, pump: UpstreamPump, gate: CommitGate, startedAt: number) {
    const { flight } = current;
    try {
      while (await pump.step()) {}
    } catch (error) {
      const failure = asGatewayError(error);
      // A cut stream already reads as one to the Worker (no finish); any other failure is told.
      if (pump.outcome !== 'truncated')
        flight.append({ type: 'error', error: { code: failure.code, message: failure.message } });
    } finally {
      const head = await current.head;
      // The length check is cheap and never under the bytes; the bytes are counted only for an entry that may fit.
      const clean = pump.outcome === 'finished' && !current.purged && flight.size <= call.maxEntryBytes;
      const lines = clean ? flight.lines.join('') : '';
      if (clean && !('error' in head) && utf8.encode(lines).length <= call.maxEntryBytes) {
        const now = Date.now();
        const meta = { provider: head.provider, model: head.model, upstreamMs: now - startedAt, createdAt: now };
        const expiresAt = now + call.ttlS * 1000;
        gate.finished({ meta: { ...meta, expiresAt, ...flight.spent }, lines, offsets: [...flight.offsets] });
      }
      // Handed to the gate before the flight is let go, so a request arriving now finds one or the other.
      if (this.current === current) this.current = undefined;
      flight.end();
    }
  }
}
