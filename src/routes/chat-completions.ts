import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { type Settings, settingsFor } from '../config/settings';
import type { ResponseMeta } from '../encoders/encoder';
import { createCompletionAccumulator } from '../encoders/openai-completion';
import { createOpenAISseEncoder } from '../encoders/openai-sse';
import { asGatewayError, type GatewayError, invalidRequest } from '../errors/gateway-error';
import { type RequestLogRecord, writeRequestLog } from '../observe/request-log';
import { collect } from '../pipeline/collect';
import { type AttemptRecord, type ConnectOptions, connect } from '../pipeline/connect';
import { relayStream } from '../pipeline/relay-stream';
import type { Stage } from '../pipeline/stage';
import type { PumpOutcome, PumpStats } from '../pipeline/upstream-pump';
import { registryFor } from '../providers/registry';
import { resolveTargets } from '../routing/resolve-targets';
import { type ChatRequest, chatRequestSchema } from '../schema/chat-request';
import { validationError } from '../schema/validation-error';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Proxies that buffer (nginx) would hold tokens back: ask them not to.
  'x-accel-buffering': 'no',
};

async function parseRequest(c: Context<AppEnv>): Promise<ChatRequest> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw invalidRequest('The request body must be valid JSON.', null, 'invalid_json');
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

function outcomeOf(error: GatewayError): string {
  if (error.status === 504) return 'timeout';
  return error.status < 500 && error.status !== 429 ? 'rejected' : 'upstream_error';
}

/** Stages run on every chat completion; the inline stages of later work plug in here. */
const STAGES: readonly Stage[] = [];

export const chatCompletions = new Hono<AppEnv>().post('/', async (c) => {
  const receivedAt = Date.now();
  const request = await parseRequest(c);
  const settings: Settings = settingsFor(c.env);
  const requestId = c.get('requestId');
  const meta: ResponseMeta = {
    id: `chatcmpl-${requestId}`,
    model: request.model,
    created: Math.floor(receivedAt / 1000),
  };
  const attempts: AttemptRecord[] = [];
  const clientSignal = c.req.raw.signal;
  const options: ConnectOptions = {
    registry: registryFor(c.env),
    targets: resolveTargets(request.model, settings),
    request,
    clientSignal,
    firstByteTimeoutMs: settings.FIRST_BYTE_TIMEOUT_MS,
    retry: { maxRetries: settings.UPSTREAM_MAX_RETRIES, baseDelayMs: settings.UPSTREAM_RETRY_BASE_MS },
    attempts,
  };
  const log = (status: number, outcome: string, extra: Partial<RequestLogRecord> = {}) =>
    writeRequestLog({
      requestId,
      route: '/v1/chat/completions',
      model: request.model,
      stream: request.stream === true,
      status,
      outcome,
      attempts,
      durationMs: Date.now() - receivedAt,
      ...extra,
    });
  const onDone = (outcome: PumpOutcome, stats?: PumpStats, error?: unknown) =>
    log(200, outcome === 'finished' ? 'ok' : outcome, {
      ttftMs: stats?.firstContentAt === undefined ? undefined : stats.firstContentAt - receivedAt,
      contentEvents: stats?.contentEvents,
      error: error === undefined ? undefined : asGatewayError(error).code,
    });

  try {
    if (!request.stream) {
      const connection = await connect(options);
      const completion = createCompletionAccumulator(meta);
      const pump = await collect(connection, STAGES, completion.event, settings.STREAM_IDLE_TIMEOUT_MS, clientSignal);
      onDone(pump.outcome ?? 'finished', pump.stats);
      return c.json(completion.result());
    }

    const encoder = createOpenAISseEncoder(meta, request.stream_options?.include_usage === true);
    const relay = { stages: STAGES, encoder, idleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS };
    if (settings.PREFILL_PROBE_MS > 0) {
      const stop = new AbortController();
      const connection = connect({ ...options, clientSignal: AbortSignal.any([clientSignal, stop.signal]) });
      connection.catch(() => {});
      const body = relayStream(
        { connection, abort: () => stop.abort(), probeMs: settings.PREFILL_PROBE_MS },
        { ...relay, onDone },
      );
      return new Response(body, { headers: { ...SSE_HEADERS, 'x-request-id': requestId } });
    }
    const connection = await connect(options);
    const body = relayStream(connection, { ...relay, onDone });
    return new Response(body, { headers: { ...SSE_HEADERS, 'x-request-id': requestId } });
  } catch (error) {
    const failure = asGatewayError(error);
    if (clientSignal.aborted) log(499, 'client_cancelled', { error: failure.code });
    else log(failure.status, outcomeOf(failure), { error: failure.code });
    throw failure;
  }
});
