import { asGatewayError, GatewayError } from '../errors/gateway-error';
import { firstByteTimeout, truncated, upstreamStreamError } from '../errors/upstream';
import type { EventDecoder, Provider } from '../providers/provider';
import type { ProviderRegistry } from '../providers/registry';
import type { Target } from '../routing/resolve-targets';
import { type RetryPolicy, retryDelayMs } from '../routing/retry-policy';
import type { ChatRequest } from '../schema/chat-request';
import type { StreamEvent } from '../stream/events';

export interface AttemptRecord {
  provider: string;
  model: string;
  /** Error code, or undefined for the attempt that streamed. */
  error?: string;
}

/** An upstream that has produced its first content (or finish): the response is committed to it. */
export interface Connection {
  provider: Provider;
  model: string;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  decoder: EventDecoder;
  /** Events decoded while waiting for the first one, in order; forwarded before anything else. */
  initial: StreamEvent[];
  /** Aborts the upstream request (fetch, binding stream, simulator). */
  abort(reason?: unknown): void;
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
}

class FirstByteTimeout extends Error {}

/**
 * One try at one target: open, then read until the first decisive event. A bare `start`
 * (Anthropic's message_start, OpenAI's role chunk) carries nothing for the client, so an
 * error that follows it during prefill can still be retried, fall back, or get a status.
 */
async function attempt(provider: Provider, target: Target, options: ConnectOptions): Promise<Connection> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(options.clientSignal.reason);
  options.clientSignal.addEventListener('abort', onClientAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new FirstByteTimeout()), options.firstByteTimeoutMs);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  // A stream that ignores the signal (the AI binding) still ends when its reader is cancelled.
  controller.signal.addEventListener('abort', () => reader?.cancel().catch(() => {}), { once: true });
  const abort = (reason?: unknown) => controller.abort(reason);

  const fail = (error: unknown): never => {
    abort(error);
    if (controller.signal.reason instanceof FirstByteTimeout)
      throw firstByteTimeout(provider.id, options.firstByteTimeoutMs);
    if (options.clientSignal.aborted) throw options.clientSignal.reason;
    throw asGatewayError(error);
  };

  try {
    if (options.clientSignal.aborted) throw options.clientSignal.reason;
    const upstream = await provider.open(options.request, target.model, controller.signal);
    reader = upstream.body.getReader();
    if (controller.signal.aborted) fail(controller.signal.reason);
    const initial: StreamEvent[] = [];
    let decisive: StreamEvent | undefined;
    const collect = (event: StreamEvent) => {
      initial.push(event);
      if (event.type !== 'start') decisive ??= event;
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
      abort,
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

/**
 * Tries each target in order, retrying retryable failures with backoff, until one produces its
 * first event. Nothing has reached the client yet, so any failure here can still fall back to
 * the next target; the last error is what the client gets if all fail.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  let lastError: GatewayError | undefined;
  for (const target of options.targets) {
    let provider: Provider;
    try {
      provider = options.registry.get(target.providerId);
    } catch (error) {
      lastError = asGatewayError(error);
      options.attempts.push({ provider: target.providerId, model: target.model, error: lastError.code });
      continue;
    }
    for (let retries = 0; ; retries++) {
      try {
        const connection = await attempt(provider, target, options);
        options.attempts.push({ provider: provider.id, model: target.model });
        return connection;
      } catch (error) {
        if (options.clientSignal.aborted) throw error;
        lastError = asGatewayError(error);
        options.attempts.push({ provider: provider.id, model: target.model, error: lastError.code });
        const delay = retryDelayMs(lastError, retries, options.retry);
        if (delay === undefined) break;
        await sleep(delay, options.clientSignal);
      }
    }
  }
  throw (
    lastError ?? new GatewayError(502, 'upstream_error', 'No provider could serve the request.', { code: 'no_target' })
  );
}
