import type { Bindings } from '../app-env';
import { type PipelineConfig, withSessionGuard } from '../config/pipeline-config';
import type { Settings } from '../config/settings';
import { createObserveStage } from '../observe/observe-stage';
import { timeStages } from '../observe/stage-timing';
import { buildPipeline } from '../pipeline/build-pipeline';
import type { Connection } from '../pipeline/connection';
import type { Resume } from '../pipeline/splice';
import type { Stage } from '../pipeline/stage';
import { registryFor } from '../providers/registry';
import type { AttemptRecord, ConnectOptions } from '../routing/connect';
import { connectPlanned, planRoute } from '../routing/latency-routing';
import { hedgeFor, pipelineFor } from '../routing/resolve-targets';
import type { WaitUntil } from '../routing/route-stats-cache';
import type { ChatRequest } from '../schema/chat-request';
import type { RequestRecorder } from './request-record';
import { spliceResume } from './splice-resume';

export interface PrepareInput {
  env: Bindings;
  settings: Settings;
  /** The request in the gateway's form, whatever dialect the entry point speaks. */
  request: ChatRequest;
  /** Filled in as the request runs: attempts, routing, the input guard's actions, the stages' records. */
  recorder: RequestRecorder;
  waitUntil: WaitUntil;
  /** A session's own guard policy: added to the route's, replacing it only where overrides allow. */
  guard?: PipelineConfig['guard'];
}

/** A request ready to run: what goes upstream, how to connect, and the stages of its one stream. */
export interface PreparedRequest {
  /** The request to send upstream: after the input guard's redactions. */
  request: ChatRequest;
  /** All connect needs but the client's signal: targets in the route's order, retries, hedge, first-byte timeout. */
  connectOptions: Omit<ConnectOptions, 'clientSignal'>;
  /** Connects (retries, fallback, hedging) and tells the route plan what the attempts taught. */
  connect(clientSignal: AbortSignal): Promise<Connection>;
  /** Tells the route plan what attempts made elsewhere taught (a cache object's connect). */
  report(attempts: readonly AttemptRecord[]): void;
  /** Continues a reply that fails after its first token; undefined when the route does not splice. */
  resume: Resume | undefined;
  /** The stages for the request's stream: the pipeline's, timed, then the observer the record reads. */
  stages(options: { emitMetrics: boolean }): Stage[];
}

/**
 * The one preparation of every entry point (chat completions, messages, session turns and
 * warm-ups, and every later route): settings → the pipeline with the caller's allowed overrides
 * (a blocked prompt or a refused override ends here with a 400, before any provider is called) →
 * the route plan (latency order) → connect options with hedge, retries and first-byte timeout.
 */
export function prepare(input: PrepareInput): PreparedRequest {
  const { env, settings, request, recorder } = input;
  const config = pipelineFor(request.model, settings);
  const pipeline = buildPipeline(request, withSessionGuard(config, input.guard), env);
  recorder.inputActions = pipeline.inputActions;
  // What the provider is sent: after the input guard's redactions, so the logged prompt has them too.
  recorder.messages = pipeline.request.messages;
  const route = planRoute(request.model, settings, env, input.waitUntil);
  recorder.routing = route.routing;
  recorder.prices = settings.GATEWAY_CONFIG.prices;
  const connectOptions: PreparedRequest['connectOptions'] = {
    registry: registryFor(env),
    targets: route.targets,
    request: pipeline.request,
    firstByteTimeoutMs: settings.FIRST_BYTE_TIMEOUT_MS,
    retry: { maxRetries: settings.UPSTREAM_MAX_RETRIES, baseDelayMs: settings.UPSTREAM_RETRY_BASE_MS },
    attempts: recorder.attempts,
    hedge: hedgeFor(request.model, settings),
  };
  return {
    request: pipeline.request,
    connectOptions,
    connect: (clientSignal) => connectPlanned(route, { ...connectOptions, clientSignal }),
    report: (attempts) => route.report(attempts),
    resume: spliceResume(request.model, settings, connectOptions),
    stages: ({ emitMetrics }) => {
      const timed = timeStages(pipeline.stages(recorder.control));
      recorder.timings = timed.timings;
      const observe = createObserveStage(recorder.observation, {
        emitMetrics,
        receivedAt: recorder.facts.receivedAt,
        cost: () => recorder.costSoFar(),
      });
      return [...timed.stages, observe];
    },
  };
}
