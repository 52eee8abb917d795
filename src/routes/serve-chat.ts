import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { admit, type Release } from '../auth/admission';
import { settingsFor } from '../config/settings';
import type { ClientFormat, ResponseMeta } from '../encoders/encoder';
import { asGatewayError } from '../errors/gateway-error';
import { writeRejectedLog, writeRequestLog } from '../observe/log-sink';
import { Observation, usageDetails } from '../observe/observation';
import {
  countAttempts,
  failureOutcome,
  hedgesLost,
  type Outcome,
  type RequestLogRecord,
  type RoutingRecord,
} from '../observe/request-log';
import { type StageTiming, timeStages } from '../observe/stage-timing';
import { type BuiltPipeline, buildPipeline } from '../pipeline/build-pipeline';
import { collect } from '../pipeline/collect';
import type { AttemptRecord, ConnectOptions } from '../pipeline/connect';
import { CHARS_PER_TOKEN, createObserveStage } from '../pipeline/observe-stage';
import { relayStream } from '../pipeline/relay-stream';
import { StageControl } from '../pipeline/stage';
import type { PumpOutcome, PumpStats } from '../pipeline/upstream-pump';
import { registryFor } from '../providers/registry';
import { connectPlanned, planRoute } from '../routing/latency-routing';
import { hedgeFor, pipelineFor } from '../routing/resolve-targets';
import type { ChatRequest } from '../schema/chat-request';
import { SSE_HEADERS } from '../stream/sse-headers';

export interface ServeOptions {
  /** Send the end-of-stream metrics annotation. */
  emitMetrics: boolean;
}

function streamOutcome(outcome: PumpOutcome, control: StageControl): Outcome {
  if (outcome === 'finished') return 'ok';
  if (outcome === 'stopped') {
    const blocks = (entries: unknown[] = []) =>
      entries.some((entry) => (entry as { action?: string }).action === 'block');
    return blocks(control.records.guard) || blocks(control.records.moderation) ? 'blocked' : 'ok';
  }
  return outcome;
}

/** A request refused before it could be served (bad JSON, a wrong field) still gets its record. */
export function logRejected(c: Context<AppEnv>, route: string, error: unknown): never {
  writeRejectedLog(
    { requestId: c.get('requestId'), keyId: c.get('keyId') ?? null, route },
    asGatewayError(error),
    c.env,
    (promise) => c.executionCtx.waitUntil(promise),
  );
  throw error;
}

/**
 * Serves one validated chat request in the client's format, streaming or not: connect (retries,
 * fallback), relay through the stages in one stream hop, and write one log record at the end.
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
  const attempts: AttemptRecord[] = [];
  const clientSignal = c.req.raw.signal;
  const control = new StageControl();
  const observation = new Observation(settings.LOG_PAYLOADS);
  let inputActions: BuiltPipeline['inputActions'] = [];
  let timings: Record<string, StageTiming> = {};
  let release: Release = () => {};
  let routing: RoutingRecord | undefined;
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);

  const log = (status: number, outcome: Outcome, stats?: PumpStats, error?: unknown) => {
    release();
    // Hedged legs that lost are recorded after the winner: the served one is the last without an error.
    const served = stats ? attempts.findLast((attempt) => attempt.error === undefined) : undefined;
    const usage = observation.usage;
    const p50 = observation.gaps.percentile(0.5);
    const record: RequestLogRecord = {
      requestId,
      ts: receivedAt,
      keyId: c.get('keyId') ?? null,
      route: format.route,
      model: request.model,
      provider: served?.provider,
      providerModel: served?.model,
      stream: request.stream === true,
      status,
      outcome,
      attempts,
      ...countAttempts(attempts),
      hedgesLost: hedgesLost(
        attempts,
        () => usage?.inputTokens ?? Math.ceil(JSON.stringify(request.messages).length / CHARS_PER_TOKEN),
      ),
      routing,
      upstreamTtftMs: stats?.firstContentAt === undefined ? undefined : stats.firstContentAt - receivedAt,
      clientTtftMs: observation.firstContentAt === undefined ? undefined : observation.firstContentAt - receivedAt,
      interTokenMs:
        p50 === undefined
          ? undefined
          : { p50, p95: observation.gaps.percentile(0.95) ?? p50, max: observation.gaps.max },
      tokens:
        usage?.outputTokens !== undefined
          ? { input: usage.inputTokens, output: usage.outputTokens, estimated: false, ...usageDetails(usage) }
          : {
              input: usage?.inputTokens,
              output: Math.ceil(observation.outputChars / CHARS_PER_TOKEN),
              estimated: true,
              ...usageDetails(usage),
            },
      finishReason: observation.finishReason,
      refused: observation.refused || undefined,
      guard:
        inputActions.length || control.records.guard ? [...inputActions, ...(control.records.guard ?? [])] : undefined,
      structured: control.records.structured?.at(-1),
      moderation: control.records.moderation,
      stages: timings,
      error: error === undefined ? undefined : asGatewayError(error).code,
      durationMs: Date.now() - receivedAt,
      completion: settings.LOG_PAYLOADS ? observation.completion : undefined,
    };
    writeRequestLog(record, c.env, waitUntil);
  };
  const onDone = (outcome: PumpOutcome, stats?: PumpStats, error?: unknown) =>
    log(200, streamOutcome(outcome, control), stats, error);

  try {
    const pipeline = buildPipeline(request, pipelineFor(request.model, settings), c.env);
    release = await admit(c, { model: request.model, holdsStream: true });
    inputActions = pipeline.inputActions;
    const timed = timeStages(pipeline.stages(control));
    timings = timed.timings;
    const stages = [...timed.stages, createObserveStage(observation, { emitMetrics: serve.emitMetrics, receivedAt })];
    const route = planRoute(request.model, settings, c.env, waitUntil);
    routing = route.routing;
    const options: ConnectOptions = {
      registry: registryFor(c.env),
      targets: route.targets,
      request: pipeline.request,
      clientSignal,
      firstByteTimeoutMs: settings.FIRST_BYTE_TIMEOUT_MS,
      retry: { maxRetries: settings.UPSTREAM_MAX_RETRIES, baseDelayMs: settings.UPSTREAM_RETRY_BASE_MS },
      attempts,
      hedge: hedgeFor(request.model, settings),
    };
    if (!request.stream) {
      const connection = await connectPlanned(route, options);
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
    const relay = { stages, control, encoder, idleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS, clientSignal, onDone };
    if (settings.PREFILL_PROBE_MS > 0) {
      const stop = new AbortController();
      const connection = connectPlanned(route, {
        ...options,
        clientSignal: AbortSignal.any([clientSignal, stop.signal]),
      });
      connection.catch(() => {});
      const body = relayStream(
        { connection, abort: () => stop.abort(), probeMs: settings.PREFILL_PROBE_MS },
        relay,
        waitUntil,
      );
      return new Response(body, { headers });
    }
    const connection = await connectPlanned(route, options);
    return new Response(relayStream(connection, relay, waitUntil), { headers });
  } catch (error) {
    const failure = asGatewayError(error);
    if (clientSignal.aborted) log(499, 'client_cancelled');
    else log(failure.status, failureOutcome(failure), undefined, failure);
    return format.errorResponse(failure, requestId);
  }
}
