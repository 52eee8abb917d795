import type { GatewayError } from '../errors/gateway-error';
import type { AttemptRecord } from '../routing/connect';
import type { HedgeOptions, Target } from '../routing/resolve-targets';
import type { RetryPolicy } from '../routing/retry-policy';
import type { ChatRequest } from '../schema/chat-request';
import type { Origin } from '../schema/client-origin';

/** What a Worker hands the cache shard of a key: all it needs to answer, or to call the provider itself. */
export interface CacheCall {
  /** The cache key (a hex digest): it names the shard and the entry. */
  key: string;
  /** As the client addressed it, for purge by model. */
  model: string;
  /** The request as the provider is sent it; its origin apart, since a symbol does not survive RPC. */
  request: ChatRequest;
  origin?: Origin;
  targets: Target[];
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  retry: RetryPolicy;
  hedge?: HedgeOptions;
  ttlS: number;
  maxEntryBytes: number;
  /** A hit streams at the recorded pace instead of at once. */
  paced: boolean;
}

/** Who produced the stream a client is about to read. */
export interface CacheHead {
  provider: string;
  model: string;
  attempts: AttemptRecord[];
  ttftMs: number;
  upstreamRequestId?: string;
  dropped?: readonly string[];
}

/** What a hit saved: the stored generation's upstream time and tokens. */
export interface CacheSaved {
  upstreamMs: number;
  inputTokens?: number;
  outputTokens?: number;
}

/** A GatewayError as plain data, so it crosses RPC with its status and codes. */
export type CacheFailure = Pick<GatewayError, 'status' | 'type' | 'message' | 'code' | 'param' | 'retryAfter'>;

export type CacheAnswer =
  | ({ status: 'miss' | 'collapsed'; body: ReadableStream<Uint8Array>; flight: string } & CacheHead)
  | ({ status: 'hit'; body: ReadableStream<Uint8Array>; saved: CacheSaved } & CacheHead)
  | { status: 'error'; error: CacheFailure; attempts: AttemptRecord[] };

export function failureOf(error: GatewayError): CacheFailure {
  const { status, type, message, code, param, retryAfter } = error;
  return { status, type, message, code, param, retryAfter };
}
