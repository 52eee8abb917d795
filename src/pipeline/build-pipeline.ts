import { type EnvVars, envString } from '../config/env';
import type { PipelineConfig } from '../config/pipeline-config';
import { GatewayError } from '../errors/gateway-error';
import { createHttpModerator } from '../guard/http-moderator';
import { applyInputGuard } from '../guard/input-guard';
import type { ChatRequest } from '../schema/chat-request';
import { createGuardStage } from './guard-stage';
import { createModerationStage } from './moderation-stage';
import type { StageContext, StageFactory } from './stage';
import type { GuardRecord } from './stage-records';
import { createStructuredStage } from './structured-stage';

export interface BuiltPipeline {
  /** The request to send upstream: the prompt after the input guard's redactions. */
  request: ChatRequest;
  /** Input-guard actions, for the log record. */
  inputActions: GuardRecord[];
  /** The stages, in order, for one stream. */
  stages(context: StageContext): ReturnType<StageFactory>[];
}

const notAllowed = (param: string) =>
  new GatewayError(400, 'invalid_request_error', `This gateway does not allow '${param}' to be set per request.`, {
    code: 'override_not_allowed',
    param,
  });

/**
 * The content stages follow one reply: they hold, retract and judge a single text. Rather than
 * interleave several choices through them, a request for more than one is refused by name.
 */
function severalChoices(stages: Array<string | false | undefined>): GatewayError {
  const stage = stages.find((name): name is string => typeof name === 'string') ?? 'structured output';
  return new GatewayError(
    400,
    'invalid_request_error',
    `'n' > 1 is not available on this route: its ${stage} stage checks one reply at a time.`,
    { code: 'unsupported_parameter', param: 'n' },
  );
}

/**
 * Turns the route's pipeline config and the request's own options into the request that goes
 * upstream and the stages its stream runs through. A blocked prompt ends here with a 400,
 * before any provider is called.
 */
export function buildPipeline(request: ChatRequest, config: PipelineConfig, env: EnvVars): BuiltPipeline {
  const overrides = request.infe;
  if (overrides?.guard === 'off' && !config.allow_overrides.disable_guard) throw notAllowed('infe.guard');
  if (overrides?.structured && !config.allow_overrides.structured) throw notAllowed('infe.structured');
  if (overrides?.drop_unsupported_params && !config.allow_overrides.drop_unsupported_params)
    throw notAllowed('infe.drop_unsupported_params');
  if (overrides?.cache && !config.allow_overrides.cache) throw notAllowed('infe.cache');
  const guard = overrides?.guard === 'off' ? undefined : config.guard;

  // The providers' translations read the drop policy from the request: the operator's setting joins it here.
  let upstream =
    config.drop_unsupported_params && !overrides?.drop_unsupported_params
      ? { ...request, infe: { ...overrides, drop_unsupported_params: true } }
      : request;
  const inputActions: BuiltPipeline['inputActions'] = [];
  if (guard) {
    const checked = applyInputGuard(guard, upstream);
    inputActions.push(...checked.actions);
    if (checked.blocked) {
      throw new GatewayError(
        400,
        'invalid_request_error',
        `The prompt was blocked by guard rule '${checked.blocked.rule}'.`,
        {
          code: 'input_blocked',
          param: 'messages',
        },
      );
    }
    upstream = checked.request;
  }

  const factories: StageFactory[] = [];
  if (guard) factories.push(createGuardStage(guard));
  if (config.moderation) {
    const { base_url, api_key_variable, model, timeout_ms } = config.moderation;
    const apiKey = api_key_variable ? envString(env, api_key_variable) : undefined;
    factories.push(
      createModerationStage(createHttpModerator({ baseUrl: base_url, apiKey, model, timeoutMs: timeout_ms })),
    );
  }
  const format = request.response_format?.type;
  if (format === 'json_object' || format === 'json_schema' || request.tools?.length) {
    factories.push(
      createStructuredStage({
        responseFormat: request.response_format ?? undefined,
        tools: request.tools ?? undefined,
        partialObjects: overrides?.structured?.partial_objects ?? config.structured.partialObjects,
        stopOnInvalid: overrides?.structured?.stop_on_invalid ?? config.structured.stopOnInvalid,
      }),
    );
  }
  const perChoice = factories.length > 0 && (request.n ?? 1) > 1;
  if (perChoice) throw severalChoices([guard && 'guard', config.moderation && 'moderation', 'structured output']);
  return { request: upstream, inputActions, stages: (context) => factories.map((create) => create(context)) };
}
