import type { GatewayError } from '../errors/gateway-error';
import type { SpliceRecord } from '../pipeline/splice';
import type { GuardRecord, ModerationRecord, StructuredRecord } from '../pipeline/stage-records';
import type { AttemptRecord } from '../routing/connect';
import type { RoutingRecord } from '../routing/latency-routing';
import type { FinishReason } from '../stream/events';
import type { CostRecord } from './cost';
import type { UsageDetail } from './observation';
import type { StageTiming } from './stage-timing';

/** `ok`: finished (or ended on purpose by a stage); `rejected`: a 4xx before any upstream stream. */
export type Outcome =
  | 'ok'
  | 'client_cancelled'
  /** The client stopped reading for WRITE_IDLE_TIMEOUT_MS: the response was ended, the upstream aborted. */
  | 'client_stalled'
  | 'upstream_error'
  | 'timeout'
  | 'blocked'
  | 'truncated'
  | 'rejected'
  /** The gateway itself failed (a stage threw): never the provider's fault. */
  | 'gateway_error';

/** `saved`, on a hit: the stored generation's upstream time and tokens, which this request did not spend. */
export interface CacheRecord {
  status: 'hit' | 'miss' | 'collapsed' | 'bypass';
  /** The cache key (a digest), for `DELETE /v1/cache?key=`. */
  key?: string;
  saved?: { upstreamMs: number; inputTokens?: number; outputTokens?: number };
}

/**
 * One record per request: the row the Queue consumer writes to D1 and the structured console
 * line. Prompt and completion appear only when payload logging is on, after the guard's
 * redaction; credentials never appear.
 */
export interface RequestLogRecord {
  /** The gateway's own id: a client cannot choose it (see requestIds). */
  requestId: string;
  /** The client's `X-Request-Id`, when it sent one. */
  clientRequestId?: string;
  /** Epoch ms the request arrived. */
  ts: number;
  /** The gateway key that made the request; null while gateway auth is off. */
  keyId: string | null;
  route: string;
  /** As the client addressed it: `provider/model` or an alias. */
  model: string;
  /** The provider and model of the attempt that served the stream, if one did. */
  provider?: string;
  providerModel?: string;
  stream: boolean;
  status: number;
  outcome: Outcome;
  attempts: AttemptRecord[];
  retries: number;
  fallbacks: number;
  /**
   * Hedged legs aborted because another target answered first. They produced no token, but the
   * provider read their prompt: `input` estimates those tokens (the prompt's, once per leg).
   */
  hedgesLost?: { legs: number; inputTokens: number };
  /**
   * Mid-stream failures the stream was continued past (README, *Mid-stream failover*): where,
   * from which target to which, and the prompt tokens each continuation cost.
   */
  splices?: SpliceRecord[];
  /** Present when a latency-routed alias ordered the targets. */
  routing?: RoutingRecord;
  /** Present when the request was cacheable: what the response cache did, and what a hit saved. */
  cache?: CacheRecord;
  /** Request arrival → first content event from the provider. */
  upstreamTtftMs?: number;
  /** Request arrival → first content event handed to the client's encoder (after every stage). */
  clientTtftMs?: number;
  interTokenMs?: { p50: number; p95: number; max: number };
  /**
   * What the provider reported (`estimated: false`), or the gateway's estimate of the output from
   * the text it relayed. The details are present only when the provider reported them.
   */
  tokens: { input?: number; output?: number; estimated: boolean } & Partial<Record<UsageDetail, number>>;
  /** What the request cost at the prices in force (src/config/prices.ts); absent when nothing was consumed. */
  cost?: CostRecord;
  finishReason?: FinishReason;
  /** The model refused (OpenAI's `refusal`). */
  refused?: boolean;
  /** Guard rules that matched, in the prompt and then in the reply. */
  guard?: GuardRecord[];
  /** The structured stage's last verdict. */
  structured?: StructuredRecord;
  /** Moderation verdicts that flagged, and checks that failed open. */
  moderation?: ModerationRecord[];
  stages?: Record<string, StageTiming>;
  error?: string;
  /** On a recorded 401/403: refusals before it that the refusal budget left unrecorded. */
  refusalsSkipped?: number;
  /** The record was too large for the Queue and was cut down (see fitRecord). */
  recordTruncated?: true;
  durationMs: number;
  /** With LOG_PAYLOADS: the messages as sent upstream (after the guard's redaction), as JSON. */
  prompt?: string;
  completion?: string;
}

/**
 * Fallbacks are attempts on a target other than the one before; retries are repeats of one
 * target. Hedged legs that lost ran alongside the winner, so they are neither.
 */
export function countAttempts(attempts: readonly AttemptRecord[]): { retries: number; fallbacks: number } {
  let retries = 0;
  let fallbacks = 0;
  let previous: AttemptRecord | undefined;
  for (const attempt of attempts) {
    // A continuation after a mid-stream failure is a splice, not a retry or a fallback of the start.
    if (attempt.error === 'hedge_lost' || attempt.splice !== undefined) continue;
    if (previous?.provider === attempt.provider && previous.model === attempt.model) retries++;
    else if (previous) fallbacks++;
    previous = attempt;
  }
  return { retries, fallbacks };
}

/** The `hedgesLost` entry of a record: undefined when no leg lost. */
export function hedgesLost(
  attempts: readonly AttemptRecord[],
  promptTokens: () => number,
): RequestLogRecord['hedgesLost'] {
  const legs = attempts.filter((attempt) => attempt.error === 'hedge_lost').length;
  return legs === 0 ? undefined : { legs, inputTokens: legs * promptTokens() };
}

/** The gateway's own 429s: the key's limits refused the request, no provider was asked. */
const KEY_LIMIT_CODES = new Set(['key_rate_limited', 'key_concurrency_limited', 'budget_exceeded']);

/** The outcome of a request that failed with `error` before it streamed. */
export function failureOutcome(error: GatewayError): Outcome {
  if (error.code === 'internal_error') return 'gateway_error';
  if (error.status === 504) return 'timeout';
  if (error.code === 'upstream_truncated') return 'truncated';
  if (error.status === 429 && !KEY_LIMIT_CODES.has(error.code)) return 'upstream_error';
  return error.status < 500 ? 'rejected' : 'upstream_error';
}
