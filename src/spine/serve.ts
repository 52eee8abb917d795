import { admitCaller, type Caller, type Release } from '../auth/admission';
import { capForBudget } from '../auth/worst-case-cost';
import { type CacheRun, responseCache } from '../cache/response-cache';
import { settingsFor } from '../config/settings';
import type { ClientFormat, ResponseMeta } from '../encoders/encoder';
import { asGatewayError } from '../errors/gateway-error';
import { writeRequestLog } from '../observe/log-sink';
import type { RequestLogRecord } from '../observe/request-log';
import { collect } from '../pipeline/collect';
import type { Connection } from '../pipeline/connection';
import { relayStream } from '../pipeline/relay-stream';
import type { PumpOutcome, PumpStats } from '../pipeline/upstream-pump';
import type { ChatRequest } from '../schema/chat-request';
import { SSE_HEADERS } from '../stream/sse-headers';
import { prepare } from './prepare';
import { RequestRecorder } from './request-record';

/** The request's caller and its surroundings, as any entry point (a route, a Durable Object) knows them. */
export interface ServeInput extends Caller {
  requestId: string;
  /** The client's own `X-Request-Id`, recorded beside the gateway's. */
  clientRequestId?: string;
  /** The gateway key's id for the log record; null while gateway auth is off. */
  keyId: string | null;
  /** The client going away: ends the upstream and the relay. */
  signal: AbortSignal;
  /** The client's `Cache-Control`: `no-store` / `no-cache` bypass the response cache. */
  cacheControl?: string;
}

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

/**
 * Serves one validated chat request in the client's format, streaming or not: the spine's
 * preparation, the key's admission, connect (retries, fallback, hedging), the relay through the
 * stages in one stream hop, and the spine's log record at the end. It reads no HTTP framework's
 * context, so a route and a Durable Object call it alike, each with its encoders in `format`.
 */
export async function serve(
  input: ServeInput,
  request: ChatRequest,
  format: ClientFormat,
  options: ServeOptions,
): Promise<Response> {
  const receivedAt = Date.now();
  const { env, requestId, signal: clientSignal, waitUntil } = input;
  const settings = settingsFor(env);
  const meta: ResponseMeta = {
    id: `chatcmpl-${requestId}`,
    model: request.model,
    created: Math.floor(receivedAt / 1000),
  };
  const recorder = new RequestRecorder({
    requestId,
    clientRequestId: input.clientRequestId,
    receivedAt,
    keyId: input.keyId,
    route: format.route,
    model: request.model,
    stream: request.stream === true,
    logPayloads: settings.LOG_PAYLOADS,
  });
  let release: Release | undefined;
  const log = (record: RequestLogRecord) => {
    release?.(record.cost);
    writeRequestLog(record, env, waitUntil);
  };
  let cache: CacheRun | undefined;
  const onDone = (outcome: PumpOutcome, stats?: PumpStats, error?: unknown, status?: number) => {
    cache?.settled(outcome);
    log(recorder.streamed(outcome, stats, error, status));
  };

  try {
    const capped = capForBudget(request, input.apiKey?.budget, settings);
    const prepared = prepare({ env, settings, request: capped, recorder, waitUntil });
    const { keyId, cacheControl } = input;
    cache = responseCache({ env, settings, request, prepared, keyId, cacheControl, waitUntil });
    recorder.cache = cache?.record;
    const connect = cache?.connect ?? prepared.connect;
    release = await admitCaller(input, { model: request.model, holdsStream: true, request: capped });
    const stages = prepared.stages({ emitMetrics: options.emitMetrics });
    const { control } = recorder;
    if (!request.stream) {
      const connection = await connect(clientSignal);
      const collector = format.collector(meta);
      const idleMs = settings.STREAM_IDLE_TIMEOUT_MS;
      const { resume } = prepared;
      const run = await collect(connection, stages, collector.event, idleMs, clientSignal, control, resume);
      if (run.error !== undefined) {
        // It failed after the provider began: the record keeps what it generated, and its cost.
        const failure = asGatewayError(run.error);
        onDone(run.outcome, run.stats, failure, failure.status);
        return format.errorResponse(failure, requestId);
      }
      onDone(run.outcome, run.stats);
      return Response.json(collector.result(), {
        headers: { 'x-request-id': requestId, ...upstreamHeaders(connection), ...cache?.headers() },
      });
    }

    const encoder = format.encoder(meta);
    const headers = { ...SSE_HEADERS, 'content-type': encoder.contentType, 'x-request-id': requestId };
    const relay = {
      ...{ stages, control, encoder, clientSignal, onDone, resume: prepared.resume },
      idleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS,
      writeIdleTimeoutMs: settings.WRITE_IDLE_TIMEOUT_MS,
    };
    if (settings.PREFILL_PROBE_MS > 0) {
      const stop = new AbortController();
      const connection = connect(AbortSignal.any([clientSignal, stop.signal]));
      connection.catch(() => {});
      const body = relayStream(
        { connection, abort: () => stop.abort(), probeMs: settings.PREFILL_PROBE_MS },
        relay,
        waitUntil,
      );
      return new Response(body, { headers });
    }
    const connection = await connect(clientSignal);
    return new Response(relayStream(connection, relay, waitUntil), {
      headers: { ...headers, ...upstreamHeaders(connection), ...cache?.headers() },
    });
  } catch (error) {
    log(recorder.failed(error, clientSignal.aborted));
    return format.errorResponse(asGatewayError(error), requestId);
  }
}
