import { asGatewayError } from '../errors/gateway-error';
import { countAttempts, failureOutcome, type RequestLogRecord } from '../observe/request-log';
import type { ProviderRegistry } from '../providers/registry';
import { type AttemptRecord, connect } from '../routing/connect';
import type { Target } from '../routing/resolve-targets';
import type { ChatRequest } from '../schema/chat-request';

/**
 * Stands in for the user's next message, which is not written yet. Prefix caches match exact
 * tokens, so only what comes before the new message can be warmed; the draft a client might send
 * would add at most its own few tokens (and only if the final message starts with it) while
 * handing unsent text to the provider and defeating the "context unchanged" check.
 */
export const WARMUP_PLACEHOLDER = '.';

export const WARMUP_ROUTE = 'session.warmup';

export interface WarmupRun {
  registry: ProviderRegistry;
  targets: readonly Target[];
  /** The request the next turn would send, with WARMUP_PLACEHOLDER as its new message. */
  request: ChatRequest;
  firstByteTimeoutMs: number;
  /** The session's fields of the log record. */
  keyId: string | null;
  /** The context's estimate, for the record: the warm-up's real cost is this prefill. */
  estimatedInputTokens: number;
}

/**
 * Sends the next turn's context with a one-token cap and lets go at the first token: by then
 * the provider has prefilled, and so cached, the whole prompt. Best effort, so as cheap as it
 * can be: the first target only (where the turn will most likely go) and no retries. Resolves
 * with the warm-up's log record; never rejects.
 */
export async function runWarmup(run: WarmupRun): Promise<RequestLogRecord> {
  const startedAt = Date.now();
  const attempts: AttemptRecord[] = [];
  const { max_completion_tokens: _cap, ...request } = run.request;
  const record = (
    fields: Pick<RequestLogRecord, 'status' | 'outcome' | 'tokens'> &
      Pick<Partial<RequestLogRecord>, 'provider' | 'providerModel' | 'upstreamTtftMs' | 'error'>,
  ): RequestLogRecord => ({
    requestId: crypto.randomUUID(),
    ts: startedAt,
    keyId: run.keyId,
    route: WARMUP_ROUTE,
    model: request.model,
    stream: true,
    attempts,
    ...countAttempts(attempts),
    durationMs: Date.now() - startedAt,
    ...fields,
  });
  try {
    const connection = await connect({
      registry: run.registry,
      targets: run.targets.slice(0, 1),
      request: { ...request, stream: true, max_tokens: 1 },
      clientSignal: new AbortController().signal,
      firstByteTimeoutMs: run.firstByteTimeoutMs,
      retry: { maxRetries: 0, baseDelayMs: 0 },
      attempts,
    });
    const ttftMs = Date.now() - startedAt;
    connection.abort(new Error('warm-up done'));
    return record({
      status: 200,
      outcome: 'ok',
      provider: connection.provider.id,
      providerModel: connection.model,
      upstreamTtftMs: ttftMs,
      tokens: { input: run.estimatedInputTokens, output: 1, estimated: true },
    });
  } catch (error) {
    const failure = asGatewayError(error);
    return record({
      status: failure.status,
      outcome: failureOutcome(failure),
      error: failure.code,
      tokens: { input: run.estimatedInputTokens, output: 0, estimated: true },
    });
  }
}
