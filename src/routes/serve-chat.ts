import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { settingsFor } from '../config/settings';
import type { ClientFormat, ResponseMeta } from '../encoders/encoder';
import { asGatewayError, type GatewayError } from '../errors/gateway-error';
import { type RequestLogRecord, writeRequestLog } from '../observe/request-log';
import { collect } from '../pipeline/collect';
import { type AttemptRecord, type ConnectOptions, connect } from '../pipeline/connect';
import { relayStream } from '../pipeline/relay-stream';
import { type Stage, StageControl } from '../pipeline/stage';
import type { PumpOutcome, PumpStats } from '../pipeline/upstream-pump';
import { registryFor } from '../providers/registry';
import { resolveTargets } from '../routing/resolve-targets';
import type { ChatRequest } from '../schema/chat-request';

export const SSE_HEADERS = {
  'cache-control': 'no-cache, no-transform',
  // Proxies that buffer (nginx) would hold tokens back: ask them not to.
  'x-accel-buffering': 'no',
};

function outcomeOf(error: GatewayError): string {
  if (error.status === 504) return 'timeout';
  return error.status < 500 && error.status !== 429 ? 'rejected' : 'upstream_error';
}

/**
 * Serves one validated chat request in the client's format, streaming or not: connect (retries,
 * fallback), then relay through the stages in one stream hop, and one log record at the end.
 */
export async function serveChat(c: Context<AppEnv>, request: ChatRequest, format: ClientFormat): Promise<Response> {
  const receivedAt = Date.now();
  const settings = settingsFor(c.env);
  const requestId = c.get('requestId');
  const meta: ResponseMeta = {
    id: `chatcmpl-${requestId}`,
    model: request.model,
    created: Math.floor(receivedAt / 1000),
  };
  const attempts: AttemptRecord[] = [];
  const clientSignal = c.req.raw.signal;
  const control = new StageControl();
  const stages: Stage[] = [];
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
      route: format.route,
      model: request.model,
      stream: request.stream === true,
      status,
      outcome,
      attempts,
      durationMs: Date.now() - receivedAt,
      ...extra,
    });
  const onDone = (outcome: PumpOutcome, stats?: PumpStats, error?: unknown) =>
    log(200, outcome === 'finished' || outcome === 'stopped' ? 'ok' : outcome, {
      ttftMs: stats?.firstContentAt === undefined ? undefined : stats.firstContentAt - receivedAt,
      contentEvents: stats?.contentEvents,
      error: error === undefined ? undefined : asGatewayError(error).code,
    });

  try {
    if (!request.stream) {
      const connection = await connect(options);
      const collector = format.collector(meta);
      const pump = await collect(
        connection,
        stages,
        collector.event,
        settings.STREAM_IDLE_TIMEOUT_MS,
        clientSignal,
        control,
      );
      onDone(pump.outcome ?? 'finished', pump.stats);
      return Response.json(collector.result(), { headers: { 'x-request-id': requestId } });
    }

    const encoder = format.encoder(meta);
    const headers = { ...SSE_HEADERS, 'content-type': encoder.contentType, 'x-request-id': requestId };
    const relay = { stages, control, encoder, idleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS, onDone };
    if (settings.PREFILL_PROBE_MS > 0) {
      const stop = new AbortController();
      const connection = connect({ ...options, clientSignal: AbortSignal.any([clientSignal, stop.signal]) });
      connection.catch(() => {});
      const body = relayStream({ connection, abort: () => stop.abort(), probeMs: settings.PREFILL_PROBE_MS }, relay);
      return new Response(body, { headers });
    }
    const connection = await connect(options);
    return new Response(relayStream(connection, relay), { headers });
  } catch (error) {
    const failure = asGatewayError(error);
    if (clientSignal.aborted) log(499, 'client_cancelled', { error: failure.code });
    else log(failure.status, outcomeOf(failure), { error: failure.code });
    return format.errorResponse(failure, requestId);
  }
}
