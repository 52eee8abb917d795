import { asGatewayError, GatewayError } from '../errors/gateway-error';
import { firstByteTimeout, truncated, upstreamNetworkError, upstreamStreamError } from '../errors/upstream';
import type { Connection } from '../pipeline/connection';
import type { Provider } from '../providers/provider';
import type { ProviderRegistry } from '../providers/registry';
import type { ChatRequest } from '../schema/chat-request';
import type { StreamEvent } from '../stream/events';
import type { HedgeOptions, Target } from './resolve-targets';
import { type RetryPolicy, retryDelayMs } from './retry-policy';

export interface AttemptRecord {
  provider: string;
  model: string;
  /** Error code, or undefined for the attempt that streamed. */
  error?: string;
  /** Set on the winner of a hedged start. */
  hedge?: 'won';
  /** The attempt that streamed: its start to its first decisive event, what latency routing learns from. */
  ttftMs?: number;
  /** An attempt at continuing the reply after the n-th mid-stream failure (README, *Mid-stream failover*). */
  splice?: number;
}

export interface ConnectOptions {
  registry: ProviderRegistry;
  targets: readonly Target[];
  request: ChatRequest;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  firstByteTimeoutMs: number;
  retry: RetryPolicy;
  /** Appended to as attempts finish, for the request's log record. */
  attempts: AttemptRecord[];
  hedge?: HedgeOptions;
  /** Continue a reply after this text instead of starting one (only continuation-capable targets). */
  continueFrom?: string;
}

class FirstByteTimeout extends Error {}

/**
 * One try at one target: open, then read until the first decisive event. A bare `start`
 * (Anthropic's message_start, OpenAI's role chunk) carries nothing for the client, so an
 * error that follows it during prefill can still be retried, fall back, or get a status.
 */
async function attempt(provider: Provider, target: Target, options: ConnectOptions): Promise<Connection> {
  const startedAt = Date.now();
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(options.clientSignal.reason);
  options.clientSignal.addEventListener('abort', onClientAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new FirstByteTimeout()), options.firstByteTimeoutMs);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  // A stream that ignores the signal (the AI binding) still ends when its reader is cancelled.
  // The listener returns nothing: workerd warns about every listener that returns a promise.
  const cancelReader = () => {
    reader?.cancel().catch(() => {});
  };
  controller.signal.addEventListener('abort', cancelReader, { once: true });
  const abort = (reason?: unknown) => controller.abort(reason);

  const fail = (error: unknown): never => {
    abort(error);
    if (controller.signal.reason instanceof FirstByteTimeout)
      throw firstByteTimeout(provider.id, options.firstByteTimeoutMs);
    if (options.clientSignal.aborted) throw options.clientSignal.reason;
    if (error instanceof GatewayError) throw error;
    // A read that failed without a status (a reset before the first event) is the network's doing.
    throw upstreamNetworkError(provider.id);
  };

  try {
    if (options.clientSignal.aborted) throw options.clientSignal.reason;
    const upstream = await provider.open(options.request, target.model, controller.signal, options.continueFrom);
    reader = upstream.body.getReader();
    if (controller.signal.aborted) fail(controller.signal.reason);
    const initial: StreamEvent[] = [];
    let decisive: StreamEvent | undefined;
    const collect = (event: StreamEvent) => {
      initial.push(event);
      // An upstream-extra (a chunk's system_fingerprint) says nothing about whether the reply will come.
      if (event.type !== 'start' && event.type !== 'upstream-extra') decisive ??= event;
    };
    while (!decisive) {
      const { done, value } = await reader.read();
      if (controller.signal.aborted) fail(controller.signal.reason);
      if (done) {
        upstream.decoder.end(collect);
        if (!decisive) fail(truncated(provider.id));
        break;
      }
      upstream.decoder.push(value, collect);
    }
    if (decisive?.type === 'error') fail(upstreamStreamError(provider.id, decisive.error.code));
    return {
      provider,
      model: target.model,
      reader,
      decoder: upstream.decoder,
      initial,
      ttftMs: Date.now() - startedAt,
      abort,
      upstreamRequestId: upstream.requestId,
      dropped: upstream.dropped,
    };
  } catch (error) {
    return fail(error);
  } finally {
    clearTimeout(timer);
    options.clientSignal.removeEventListener('abort', onClientAbort);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** One target with its retries; resolves with its connection or rejects with its last error (recorded). */
async function tryTarget(target: Target, options: ConnectOptions): Promise<Connection> {
  let provider: Provider;
  try {
    provider = options.registry.get(target.providerId);
  } catch (error) {
    const failure = asGatewayError(error);
    options.attempts.push({ provider: target.providerId, model: target.model, error: failure.code });
    throw failure;
  }
  for (let retries = 0; ; retries++) {
    try {
      return await attempt(provider, target, options);
    } catch (error) {
      if (options.clientSignal.aborted) throw error;
      const failure = asGatewayError(error);
      options.attempts.push({ provider: provider.id, model: target.model, error: failure.code });
      const delay = retryDelayMs(failure, retries, options.retry);
      if (delay === undefined) throw failure;
      await sleep(delay, options.clientSignal);
    }
  }
}

const noTarget = () =>
  new GatewayError(502, 'upstream_error', 'No provider could serve the request.', { code: 'no_target' });

/**
 * Tries each target in order, retrying retryable failures with backoff, until one produces its
 * first event. Nothing has reached the client yet, so any failure here can still fall back to
 * the next target; the last error is what the client gets if all fail. With `hedge`, the next
 * target also starts when the running ones are slow (see connectHedged).
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  if (options.hedge && options.targets.length > 1) return connectHedged(options, options.hedge);
  let lastError: GatewayError | undefined;
  for (const target of options.targets) {
    try {
      const connection = await tryTarget(target, options);
      options.attempts.push({ provider: connection.provider.id, model: connection.model, ttftMs: connection.ttftMs });
      return connection;
    } catch (error) {
      if (options.clientSignal.aborted) throw error;
      lastError = asGatewayError(error);
    }
  }
  throw lastError ?? noTarget();
}

/**
 * Hedged start: when no running target has produced its first event within `afterMs`, the next
 * one starts too (at most `maxParallel` at once; a failure starts the next at once). The first
 * to produce an event wins; the others are aborted on the spot, before any of their tokens
 * could reach the client.
 */
function connectHedged(options: ConnectOptions, hedge: HedgeOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const pending = [...options.targets];
    const legs = new Map<AbortController, Target>();
    let settled = false;
    let lastError: unknown;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const finish = (outcome: () => void, won = false) => {
      settled = true;
      clearTimeout(timer);
      options.clientSignal.removeEventListener('abort', onClientAbort);
      for (const [leg, target] of legs) {
        // Recorded now, not when its rejection arrives, so the record is whole when the stream ends.
        if (won) options.attempts.push({ provider: target.providerId, model: target.model, error: 'hedge_lost' });
        leg.abort(new Error('hedge lost'));
      }
      legs.clear();
      outcome();
    };
    const onClientAbort = () => finish(() => reject(options.clientSignal.reason));
    options.clientSignal.addEventListener('abort', onClientAbort, { once: true });

    const launch = (): boolean => {
      const target = pending.shift();
      if (!target) return false;
      const leg = new AbortController();
      legs.set(leg, target);
      const legOptions = { ...options, clientSignal: AbortSignal.any([options.clientSignal, leg.signal]) };
      tryTarget(target, legOptions).then(
        (connection) => {
          legs.delete(leg);
          if (settled) return connection.abort();
          options.attempts.push({
            provider: connection.provider.id,
            model: connection.model,
            hedge: 'won',
            ttftMs: connection.ttftMs,
          });
          finish(() => resolve(connection), true);
        },
        (error: unknown) => {
          legs.delete(leg);
          if (settled) return;
          lastError = error;
          if (!launch() && legs.size === 0) finish(() => reject(lastError ?? noTarget()));
        },
      );
      schedule();
      return true;
    };
    const schedule = () => {
      clearTimeout(timer);
      if (pending.length === 0) return;
      timer = setTimeout(() => {
        if (!settled && legs.size < hedge.maxParallel) launch();
        else schedule();
      }, hedge.afterMs);
    };
    launch();
  });
}
