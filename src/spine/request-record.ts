import { asGatewayError } from '../errors/gateway-error';
import { Observation, usageDetails } from '../observe/observation';
import { CHARS_PER_TOKEN } from '../observe/observe-stage';
import {
  type CacheRecord,
  countAttempts,
  failureOutcome,
  hedgesLost,
  type Outcome,
  type RequestLogRecord,
} from '../observe/request-log';
import type { StageTiming } from '../observe/stage-timing';
import { StageControl } from '../pipeline/stage';
import type { GuardRecord } from '../pipeline/stage-records';
import type { PumpOutcome, PumpStats } from '../pipeline/upstream-pump';
import type { AttemptRecord } from '../routing/connect';
import type { RoutingRecord } from '../routing/latency-routing';
import type { ChatRequest } from '../schema/chat-request';

/** What an entry point knows about a request before anything runs. */
export interface RecordFacts {
  requestId: string;
  clientRequestId?: string;
  /** Epoch ms the request (or turn) arrived: both TTFTs are measured from here. */
  receivedAt: number;
  keyId: string | null;
  route: string;
  /** As the client addressed it: `provider/model` or an alias. */
  model: string;
  stream: boolean;
  /** Keep the completion in the record (LOG_PAYLOADS). */
  logPayloads: boolean;
}

/** How it ended. */
export interface RecordEnd {
  status: number;
  outcome: Outcome;
  /** An upstream was connected and served: the record names it. */
  served: boolean;
  /** Epoch ms of the provider's first content: the upstream TTFT. */
  upstreamFirstAt?: number;
  error?: unknown;
  /** Only for a run with no stream to count (a warm-up): what it cost. */
  tokens?: RequestLogRecord['tokens'];
}

const since = (at: number | undefined, start: number) => (at === undefined ? undefined : at - start);

/**
 * The one place a request-log record is built, for every entry point: it holds what the
 * request's preparation, connect and stages fill in while it runs (attempts, routing, the input
 * guard's actions, the stages' typed records and hold times, and what the last stage saw), and
 * turns it into the record when the request ends.
 */
export class RequestRecorder {
  readonly attempts: AttemptRecord[] = [];
  /** The stages' context for this request; their records are read from it at the end. */
  readonly control = new StageControl();
  /** What the client was sent, as the last stage saw it. */
  readonly observation: Observation;
  routing: RoutingRecord | undefined;
  /** What the response cache did, read when the record is built. */
  cache: (() => CacheRecord) | undefined;
  inputActions: GuardRecord[] = [];
  timings: Record<string, StageTiming> = {};
  /** The prompt as sent (after redaction): the estimate of what hedged legs that lost read, and the logged prompt. */
  messages: ChatRequest['messages'] = [];

  constructor(readonly facts: RecordFacts) {
    this.observation = new Observation(facts.logPayloads);
  }

  /** A stream's end as an outcome: a stage that stopped it on purpose blocked it, or finished early. */
  outcomeOf(outcome: PumpOutcome): Outcome {
    if (outcome === 'finished') return 'ok';
    if (outcome !== 'stopped') return outcome;
    const { guard, moderation } = this.control.records;
    const blocked = guard.some((entry) => entry.action === 'block') || moderation.some((e) => e.action === 'block');
    return blocked ? 'blocked' : 'ok';
  }

  /** The record of a stream that ran (the response was committed: 200). */
  streamed(outcome: PumpOutcome, stats: PumpStats | undefined, error?: unknown): RequestLogRecord {
    const served = stats !== undefined;
    return this.build({
      status: 200,
      outcome: this.outcomeOf(outcome),
      served,
      upstreamFirstAt: stats?.firstContentAt,
      error,
    });
  }

  /** The record of a request that failed before it streamed, or whose client left first. */
  failed(error: unknown, cancelled: boolean, tokens?: RecordEnd['tokens']): RequestLogRecord {
    if (cancelled) return this.build({ status: 499, outcome: 'client_cancelled', served: false, tokens });
    const failure = asGatewayError(error);
    return this.build({
      status: failure.status,
      outcome: failureOutcome(failure),
      served: false,
      error: failure,
      tokens,
    });
  }

  build(end: RecordEnd): RequestLogRecord {
    const { facts, attempts, observation } = this;
    const { records } = this.control;
    // Hedged legs that lost are recorded after the winner: the served one is the last without an error.
    const served = end.served ? attempts.findLast((attempt) => attempt.error === undefined) : undefined;
    const usage = observation.usage;
    const p50 = observation.gaps.percentile(0.5);
    const guard = [...this.inputActions, ...records.guard];
    return {
      requestId: facts.requestId,
      clientRequestId: facts.clientRequestId,
      ts: facts.receivedAt,
      keyId: facts.keyId,
      route: facts.route,
      model: facts.model,
      provider: served?.provider,
      providerModel: served?.model,
      stream: facts.stream,
      status: end.status,
      outcome: end.outcome,
      attempts,
      ...countAttempts(attempts),
      hedgesLost: hedgesLost(
        attempts,
        () => usage?.inputTokens ?? Math.ceil(JSON.stringify(this.messages).length / CHARS_PER_TOKEN),
      ),
      routing: this.routing,
      cache: this.cache?.(),
      // A hit's events come from storage: no provider produced a first token for it.
      upstreamTtftMs: this.cache?.().status === 'hit' ? undefined : since(end.upstreamFirstAt, facts.receivedAt),
      clientTtftMs: since(observation.firstContentAt, facts.receivedAt),
      interTokenMs:
        p50 === undefined
          ? undefined
          : { p50, p95: observation.gaps.percentile(0.95) ?? p50, max: observation.gaps.max },
      tokens: end.tokens ?? this.tokens(),
      finishReason: observation.finishReason,
      refused: observation.refused || undefined,
      guard: guard.length > 0 ? guard : undefined,
      structured: records.structured.at(-1),
      moderation: records.moderation.length > 0 ? records.moderation : undefined,
      stages: this.timings,
      error: end.error === undefined ? undefined : asGatewayError(end.error).code,
      durationMs: Date.now() - facts.receivedAt,
      prompt: facts.logPayloads ? JSON.stringify(this.messages) : undefined,
      completion: facts.logPayloads ? observation.completion : undefined,
    };
  }

  /** The provider's counts when it sent them; otherwise the relayed text's estimate, marked so. */
  private tokens(): RequestLogRecord['tokens'] {
    const usage = this.observation.usage;
    if (usage?.outputTokens !== undefined) {
      return { input: usage.inputTokens, output: usage.outputTokens, estimated: false, ...usageDetails(usage) };
    }
    const output = Math.ceil(this.observation.outputChars / CHARS_PER_TOKEN);
    return { input: usage?.inputTokens, output, estimated: true, ...usageDetails(usage) };
  }
}
