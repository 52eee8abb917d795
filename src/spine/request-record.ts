import { CHARS_PER_TOKEN } from '../config/chars-per-token';
import type { Price } from '../config/prices';
import { asGatewayError } from '../errors/gateway-error';
import { type CostPart, type CostRecord, requestCost } from '../observe/cost';
import { Observation, usageDetails } from '../observe/observation';
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

/**
 * Attempts that end without a token yet are billed by the provider only when it was already
 * reading the prompt: a hedged leg we cut, or one we gave up on while it prefilled (first-byte
 * timeout). An HTTP error, a refused connection or a rate limit is answered before any work and
 * is not billed, so a retry after one costs nothing extra.
 */
const BILLED_UNSERVED = new Set(['hedge_lost', 'first_byte_timeout']);

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
  /** The operator's price overrides (GATEWAY_CONFIG.prices), set by the preparation. */
  prices: Readonly<Record<string, Price>> = {};

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

  /**
   * The record of a stream that ran: a streamed response was committed (200); a collected one
   * that failed answers with its error's status.
   */
  streamed(outcome: PumpOutcome, stats: PumpStats | undefined, error?: unknown, status = 200): RequestLogRecord {
    const served = stats !== undefined;
    return this.build({
      status,
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
    const p50 = observation.gaps.percentile(0.5);
    const guard = [...this.inputActions, ...records.guard];
    const tokens = end.tokens ?? this.tokens();
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
      hedgesLost: hedgesLost(attempts, () => this.promptTokens()),
      routing: this.routing,
      cache: this.cache?.(),
      // A hit's events come from storage: no provider produced a first token for it.
      upstreamTtftMs: this.cache?.().status === 'hit' ? undefined : since(end.upstreamFirstAt, facts.receivedAt),
      clientTtftMs: since(observation.firstContentAt, facts.receivedAt),
      interTokenMs:
        p50 === undefined
          ? undefined
          : { p50, p95: observation.gaps.percentile(0.95) ?? p50, max: observation.gaps.max },
      tokens,
      cost: this.cost(served, tokens),
      finishReason: observation.finishReason,
      refused: observation.refused || undefined,
      guard: guard.length > 0 ? guard : undefined,
      structured: records.structured.at(-1),
      moderation: records.moderation.length > 0 ? records.moderation : undefined,
      stages: this.timings,
      splices: this.control.splices.length > 0 ? this.control.splices : undefined,
      error: end.error === undefined ? undefined : asGatewayError(end.error).code,
      durationMs: Date.now() - facts.receivedAt,
      prompt: facts.logPayloads ? JSON.stringify(this.messages) : undefined,
      completion: facts.logPayloads ? observation.completion : undefined,
    };
  }

  /**
   * What the request has cost so far, in USD, for the usage the client is sent (`usage.cost`):
   * the same figure the record will carry, read when the provider's usage arrives.
   */
  costSoFar(): number | undefined {
    const served = this.attempts.findLast((attempt) => attempt.error === undefined);
    return this.cost(served, this.tokens())?.usd;
  }

  /** The prompt's tokens: as the provider counted them, else estimated from the prompt sent. */
  private promptTokens(): number {
    return this.observation.usage?.inputTokens ?? this.promptEstimate();
  }

  /** The prompt sent, estimated: after a splice the provider's count is the continuation's, prefix included. */
  private promptEstimate(): number {
    return Math.ceil(JSON.stringify(this.messages).length / CHARS_PER_TOKEN);
  }

  /**
   * What the served attempt consumed at its model's price (or as the provider priced it), plus
   * the prompt read by each attempt a provider bills without a token reaching us (see
   * BILLED_UNSERVED), estimated, and each attempt a splice took over from: its prompt and the
   * reply it produced up to the splice, estimated; undefined when nothing was consumed.
   */
  private cost(served: AttemptRecord | undefined, tokens: RequestLogRecord['tokens']): CostRecord | undefined {
    // A hit, or a request that joined one in flight, called no provider for what the cache served:
    // the one that did pays. A continuation spliced onto it (the first splice's `to`, and any
    // after it) was called for this request.
    const status = this.cache?.().status;
    const cached = status === 'hit' || status === 'collapsed';
    const parts: CostPart[] = [];
    const { splices } = this.control;
    let offset = 0;
    let input = this.promptEstimate();
    for (const [index, splice] of splices.entries()) {
      // `from` is `provider/model`; a model may hold slashes of its own.
      const cut = splice.from.indexOf('/');
      const output = Math.max(0, splice.offsetTokens - offset);
      const part = { provider: splice.from.slice(0, cut), model: splice.from.slice(cut + 1) };
      if (!cached || index > 0) parts.push({ ...part, tokens: { input, output }, estimated: true });
      // The next attempt to fail, if one does, read this continuation's prompt.
      offset = splice.offsetTokens;
      input = splice.promptTokens;
    }
    if (served && (!cached || served.splice !== undefined)) {
      const { provider, model } = served;
      // A provider that reported no prompt count still read the prompt: it is priced at the estimate.
      const input = tokens.input ?? this.promptTokens();
      const estimated = tokens.estimated || tokens.input === undefined;
      parts.push({ provider, model, tokens: { ...tokens, input }, estimated, reportedUsd: tokens.cost });
    }
    for (const leg of this.attempts) {
      if (leg.error === undefined || !BILLED_UNSERVED.has(leg.error)) continue;
      parts.push({ provider: leg.provider, model: leg.model, tokens: { input: this.promptTokens() }, estimated: true });
    }
    if (parts.length === 0) return cached ? { usd: 0, estimated: false } : undefined;
    return requestCost(parts, this.prices);
  }

  /** The provider's counts when it sent them; otherwise the relayed text's estimate, marked so. */
  private tokens(): RequestLogRecord['tokens'] {
    const usage = this.observation.usage;
    if (usage?.outputTokens !== undefined) {
      return { input: usage.inputTokens, output: usage.outputTokens, estimated: false, ...usageDetails(usage) };
    }
    const output = Math.ceil(this.observation.outputChars / CHARS_PER_TOKEN);
    // After a splice these are the continuation's: the text before it is charged to the attempt
    // that failed (cost()), and it read the prompt with that text as its prefix.
    const splice = this.control.splices.at(-1);
    if (splice) {
      const after = Math.max(0, output - splice.offsetTokens);
      return { input: splice.promptTokens, output: after, estimated: true, ...usageDetails(usage) };
    }
    return { input: usage?.inputTokens, output, estimated: true, ...usageDetails(usage) };
  }
}
