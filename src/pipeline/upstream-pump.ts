import type { GatewayError } from '../errors/gateway-error';
import { idleTimeout, truncated, upstreamNetworkError, upstreamStreamError } from '../errors/upstream';
import { type Emit, isContent, type StreamEvent } from '../stream/events';
import type { Connection } from './connection';
import { type Resume, Splicer } from './splice';
import type { StageControl } from './stage';

/** `stopped`: a stage ended the generation on purpose (a guard block, an early structured stop). */
export type PumpOutcome =
  | 'finished'
  | 'stopped'
  | 'client_cancelled'
  /** The client stopped taking bytes for WRITE_IDLE_TIMEOUT_MS. */
  | 'client_stalled'
  | 'upstream_error'
  | 'timeout'
  | 'truncated'
  /** A stage or encoder threw: our bug, not the provider's. */
  | 'gateway_error';

export interface PumpStats {
  /** Epoch ms of the first content event; undefined if none came. */
  firstContentAt?: number;
  contentEvents: number;
}

/**
 * Moves a committed upstream forward one read at a time, pushing decoded events into `sink`.
 * The caller decides when to read (stream pull or collect loop), so backpressure from the
 * client reaches the upstream read. Enforces the idle timeout and tells a finished stream
 * from a cut one. With `resume`, a cut after the first token is spliced when it can be: the
 * same stages go on with a connection that continues the reply, and the client sees no seam.
 */
export class UpstreamPump {
  outcome: PumpOutcome | undefined;
  readonly stats: PumpStats = { contentEvents: 0 };
  private finished = false;
  private failure: GatewayError | undefined;
  private lastContentAt: number;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private idleFired = false;
  private readonly forward: Emit;
  private readonly splicer: Splicer | undefined;
  /** Aborts the continuation being connected when the stream is cancelled meanwhile. */
  private resuming: AbortController | undefined;

  constructor(
    private connection: Connection,
    sink: Emit,
    private readonly idleTimeoutMs: number,
    control?: StageControl,
    resume?: Resume,
  ) {
    this.lastContentAt = Date.now();
    // The splices are recorded on the request's control, where its record and cost read them.
    const splicer = resume && new Splicer(resume, control?.splices);
    this.splicer = splicer;
    const pass = splicer ? (event: StreamEvent) => splicer.pass(event, sink) : sink;
    this.forward = (event: StreamEvent) => {
      if (event.type === 'error') {
        this.failure ??= upstreamStreamError(this.connection.provider.id, event.error.code);
        return;
      }
      if (this.failure) return;
      if (isContent(event)) {
        this.lastContentAt = Date.now();
        if (this.stats.contentEvents++ === 0) this.stats.firstContentAt = this.lastContentAt;
      } else if (event.type === 'finish') {
        this.finished = true;
      }
      pass(event);
    };
    this.armIdleTimer(idleTimeoutMs);
    control?.bind(() => this.cancel('stopped'));
  }

  /**
   * Reads once and forwards what it decoded. Returns false when the stream is over. Throws a
   * GatewayError when the upstream failed (and could not be spliced), after forwarding
   * everything decoded before the failure.
   */
  async step(): Promise<boolean> {
    if (this.outcome) return false;
    const { initial, reader, decoder } = this.connection;
    if (initial.length > 0) {
      for (const event of initial.splice(0)) this.forward(event);
      return this.failure ? this.recover('upstream_error', this.failure) : true;
    }
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch {
      if (this.outcome) return false;
      // After the finish only usage or [DONE] can follow: losing those is not worth an error.
      if (this.finished) {
        this.close('finished');
        return false;
      }
      if (this.idleFired) return this.recover('timeout', this.idleError());
      return this.recover('upstream_error', upstreamNetworkError(this.connection.provider.id));
    }
    if (this.outcome) return false;
    if (result.done) {
      if (this.idleFired && !this.finished) return this.recover('timeout', this.idleError());
      decoder.end(this.forward);
      if (this.failure) return this.recover('upstream_error', this.failure);
      if (!this.finished) return this.recover('truncated', truncated(this.connection.provider.id));
      this.close('finished');
      return false;
    }
    decoder.push(result.value, this.forward);
    return this.failure ? this.recover('upstream_error', this.failure) : true;
  }

  /** The client went away (or a stage stopped the stream): abort the upstream now. */
  cancel(outcome: PumpOutcome = 'client_cancelled', reason?: unknown): void {
    if (this.outcome) return;
    this.close(outcome);
    this.connection.abort(reason);
    this.resuming?.abort(reason);
  }

  /**
   * The attempt failed: splice a continuation in when one can be had (true: read on), or throw
   * the failure as it is. No event of the failure reaches the stages in either case.
   */
  private async recover(outcome: PumpOutcome, error: GatewayError): Promise<boolean> {
    if (!this.splicer?.possible) throw this.fail(outcome, error);
    clearTimeout(this.idleTimer);
    this.connection.abort(error);
    this.resuming = new AbortController();
    const next = await this.splicer.splice(this.connection, error, this.resuming.signal).catch(() => undefined);
    this.resuming = undefined;
    if (this.outcome) {
      next?.abort();
      return false;
    }
    if (!next) throw this.fail(outcome, error);
    this.connection = next;
    this.failure = undefined;
    this.finished = false;
    this.idleFired = false;
    this.lastContentAt = Date.now();
    this.armIdleTimer(this.idleTimeoutMs);
    return true;
  }

  private idleError(): GatewayError {
    return idleTimeout(this.connection.provider.id, this.idleTimeoutMs);
  }

  private fail(outcome: PumpOutcome, error: GatewayError): GatewayError {
    this.cancel(outcome);
    return error;
  }

  private close(outcome: PumpOutcome): void {
    this.outcome = outcome;
    clearTimeout(this.idleTimer);
  }

  /** One timer per idle period, not per event: it re-arms itself for the time remaining. */
  private armIdleTimer(delay: number): void {
    this.idleTimer = setTimeout(() => {
      const idle = Date.now() - this.lastContentAt;
      if (idle < this.idleTimeoutMs) return this.armIdleTimer(this.idleTimeoutMs - idle);
      this.idleFired = true;
      this.connection.abort();
    }, delay);
  }
}
