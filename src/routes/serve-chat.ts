import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { admit } from '../auth/admission';
import { settingsFor } from '../config/settings';
import type { ClientFormat, ResponseMeta } from '../encoders/encoder';
import { asGatewayError } from '../errors/gateway-error';
import { writeRejectedLog, writeRequestLog } from '../observe/log-sink';
import type { RequestLogRecord } from '../observe/request-log';
import { collect } from '../pipeline/collect';
import type { Connection } from '../pipeline/connection';
import { relayStream } from '../pipeline/relay-stream';
import type { PumpOutcome, PumpStats } from '../pipeline/upstream-pump';
import type { ChatRequest } from '../schema/chat-request';
import { prepare } from '../spine/prepare';
import { RequestRecorder } from '../spine/request-record';
import { SSE_HEADERS } from '../stream/sse-headers';

export interface ServeOptions {
  /** Send the end-of-stream metrics annotation. */
  emitMetrics: boolean;
}

/** What the provider and the translation said about this request, as response headers. */
function upstreamHeaders(connection: Connection): Record<string, string> {
  const headers: Record<string, string> = {};
  if (connection.upstreamRequestId) headers['x-infe-upstream-request-id'] = connection.upstreamRequestId;
  if (connection.dropped?.length) headers['x-infe-dropped-params'] = connection.dropped.join(', ');
  return headers;
}

/** A request refused before it could be served (bad JSON, a wrong field) still gets its record. */
export function logRejected(c: Context<AppEnv>, route: string, error: unknown): never {
  writeRejectedLog(
    { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId'), keyId: c.get('keyId') ?? null, route },
    asGatewayError(error),
    c.env,
    (promise) => c.executionCtx.waitUntil(promise),
  );
  throw error;
}

/**
 * Serves one validated chat request in the client's format, streaming or not: the spine's
 * preparation, connect (retries, fallback, hedging), the relay through the stages in one stream
 * hop, and the spine's log record at the end. Every HTTP dialect's route is a thin adapter
 * over this: it parses its dialect into a ChatRequest and hands its encoders in `format`.
 */
export async function serveChat(
  c: Context<AppEnv>,
  request: ChatRequest,
  format: ClientFormat,
  serve: ServeOptions,
): Promise<Response> {
  const receivedAt = Date.now();
  const settings = settingsFor(c.env);
  const requestId = c.get('requestId');
  const meta: ResponseMeta = {
    id: `chatcmpl-${requestId}`,
    model: request.model,
    created: Math.floor(receivedAt / 1000),
  };
  const clientSignal = c.req.raw.signal;
  const recorder = new RequestRecorder({
    requestId,
    clientRequestId: c.get('clientRequestId'),
    receivedAt,
    keyId: c.get('keyId') ?? null,
    route: format.route,
    model: request.model,
    stream: request.stream === true,
    logPayloads: settings.LOG_PAYLOADS,
  });
  let release: () => void = () => {};
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const log = (record: RequestLogRecord) => {
    release();
    writeRequestLog(record, c.env, waitUntil);
  };
  const onDone = (outcome: PumpOutcome, stats?: PumpStats, error?: unknown) =>
    log(recorder.streamed(outcome, stats, error));

  try {
    const prepared = prepare({ env: c.env, settings, request, recorder, waitUntil });
    release = await admit(c, { model: request.model, holdsStream: true });
    const stages = prepared.stages({ emitMetrics: serve.emitMetrics });
    const { control } = recorder;
    if (!request.stream) {
      const connection = await prepared.connect(clientSignal);
      const collector = format.collector(meta);
      const idleMs = settings.STREAM_IDLE_TIMEOUT_MS;
      const pump = await collect(connection, stages, collector.event, idleMs, clientSignal, control);
      onDone(pump.outcome ?? 'finished', pump.stats);
      return Response.json(collector.result(), {
        headers: { 'x-request-id': requestId, ...upstreamHeaders(connection) },
      });
    }

    const encoder = format.encoder(meta);
    const headers = { ...SSE_HEADERS, 'content-type': encoder.contentType, 'x-request-id': requestId };
    const relay = {
      ...{ stages, control, encoder, clientSignal, onDone },
      idleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS,
      writeIdleTimeoutMs: settings.WRITE_IDLE_TIMEOUT_MS,
    };
    if (settings.PREFILL_PROBE_MS > 0) {
      const stop = new AbortController();
      const connection = prepared.connect(AbortSignal.any([clientSignal, stop.signal]));
      connection.catch(() => {});
      const body = relayStream(
        { connection, abort: () => stop.abort(), probeMs: settings.PREFILL_PROBE_MS },
        relay,
        waitUntil,
      );
      return new Response(body, { headers });
    }
    const connection = await prepared.connect(clientSignal);
    return new Response(relayStream(connection, relay, waitUntil), {
      headers: { ...headers, ...upstreamHeaders(connection) },
    });
  } catch (error) {
    log(recorder.failed(error, clientSignal.aborted));
    return format.errorResponse(asGatewayError(error), requestId);
  }
}
