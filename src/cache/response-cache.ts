import type { Bindings } from '../app-env';
import type { Settings } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import type { CacheRecord } from '../observe/request-log';
import type { Connection } from '../pipeline/connection';
import type { PumpOutcome } from '../pipeline/upstream-pump';
import type { Provider } from '../providers/provider';
import type { AttemptRecord, ConnectOptions } from '../routing/connect';
import type { ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import type { CacheAnswer } from './cache-call';
import { cacheKey } from './cache-key';
import { bypasses, cachePolicy } from './cache-policy';
import { shardOf } from './cache-shards';
import { asHit, createCacheDecoder } from './cache-wire';

export const CACHE_HEADER = 'x-infe-cache';
export const CACHE_KEY_HEADER = 'x-infe-cache-key';

export interface CacheInput {
  env: Bindings;
  settings: Settings;
  /** The request as the client sent it (its `infe.cache`) and as the provider is sent it. */
  request: ChatRequest;
  prepared: {
    request: ChatRequest;
    connectOptions: Omit<ConnectOptions, 'clientSignal'>;
    connect(clientSignal: AbortSignal): Promise<Connection>;
    report(attempts: readonly AttemptRecord[]): void;
  };
  keyId: string | null;
  cacheControl?: string;
  waitUntil: (promise: Promise<unknown>) => void;
}

/** How a cached request connects, and what its response and log record say about the cache. */
export interface CacheRun {
  /** Undefined for a bypass: the request connects as it would without a cache. */
  connect?: (clientSignal: AbortSignal) => Promise<Connection>;
  headers(): Record<string, string>;
  record(): CacheRecord;
  /** The relay ended: the object stores a generation only when a reader ended it cleanly. */
  settled(outcome: PumpOutcome): void;
}

/** A replayed stream names its provider for errors and records; it is never opened again. */
const replayedProvider = (id: string): Provider => ({
  id,
  models: [],
  open: () => Promise.reject(new Error('a replayed stream is not reopened')),
});

function connectionOf(answer: Exclude<CacheAnswer, { status: 'error' }>): Connection {
  const reader = answer.body.getReader();
  return {
    provider: replayedProvider(answer.provider),
    model: answer.model,
    reader,
    decoder: createCacheDecoder(answer.status === 'hit' ? asHit : undefined),
    initial: [],
    ttftMs: answer.ttftMs,
    abort: (reason) => {
      reader.cancel(reason).catch(() => {});
    },
    upstreamRequestId: answer.upstreamRequestId,
    dropped: answer.dropped,
  };
}

/**
 * The response cache in front of connect: undefined when the request is not cached. A cached
 * request asks its key's object, which answers with the stored events (a hit), the generation
 * already in flight (collapsed), or a new upstream it reads itself (a miss). Whichever it is, the
 * Worker gets a Connection and relays it through the stages like any provider's.
 */
export function responseCache(input: CacheInput): CacheRun | undefined {
  const { env, settings, prepared } = input;
  const policy = cachePolicy(input.request.model, settings, input.request.infe?.cache);
  const namespace = env.RESPONSE_CACHE;
  if (!policy || !namespace) return undefined;
  if (bypasses(input.cacheControl)) {
    return {
      headers: () => ({ [CACHE_HEADER]: 'bypass' }),
      record: () => ({ status: 'bypass' }),
      settled: () => {},
    };
  }
  const options = prepared.connectOptions;
  let record: CacheRecord = { status: 'miss' };
  let report: ((outcome: PumpOutcome) => Promise<void>) | undefined;
  const connect = async (clientSignal: AbortSignal): Promise<Connection> => {
    const scope = policy.scope === 'gateway' ? 'gateway' : `key:${input.keyId ?? 'local'}`;
    const targets = options.targets.map((target) => `${target.providerId}/${target.model}`).sort();
    const key = await cacheKey({ scope, targets, request: prepared.request });
    record = { status: 'miss', key };
    const { [ORIGIN]: origin, ...request } = prepared.request;
    const stub = shardOf(namespace, key);
    const answer = await stub
      .open({
        key,
        model: input.request.model,
        request,
        origin,
        targets: [...options.targets],
        firstByteTimeoutMs: options.firstByteTimeoutMs,
        idleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS,
        retry: options.retry,
        hedge: options.hedge,
        ttlS: policy.ttlS,
        maxEntryBytes: settings.CACHE_MAX_ENTRY_BYTES,
        paced: policy.paced,
      })
      .catch((error: unknown) => {
        // The cache is a shortcut, never a dependency: an object that cannot answer is bypassed.
        console.error(JSON.stringify({ type: 'cache_unavailable', error: String(error).slice(0, 200) }));
        return undefined;
      });
    if (!answer) {
      record = { status: 'bypass', key };
      return prepared.connect(clientSignal);
    }
    options.attempts.push(...answer.attempts);
    // The object connected for this request: latency routing learns from it as from any connect.
    // A hit or a join made no attempt of its own.
    if (answer.status === 'miss' || answer.status === 'error') prepared.report(answer.attempts);
    if (answer.status === 'error') {
      const { status, type, message, ...rest } = answer.error;
      throw new GatewayError(status, type, message, rest);
    }
    record = { status: answer.status, key, saved: answer.status === 'hit' ? answer.saved : undefined };
    if (answer.status !== 'hit') {
      const flight = answer.flight;
      report = (outcome) => stub.report(flight, outcome);
    }
    const connection = connectionOf(answer);
    // The client left while the object answered: its stream would never be read.
    if (clientSignal.aborted) connection.abort(clientSignal.reason);
    return connection;
  };
  return {
    connect,
    headers: () => ({ [CACHE_HEADER]: record.status, ...(record.key && { [CACHE_KEY_HEADER]: record.key }) }),
    record: () => record,
    settled: (outcome) => {
      if (report) input.waitUntil(report(outcome).catch(() => {}));
    },
  };
}
