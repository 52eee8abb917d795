import type { PipelineConfig } from '../config/pipeline-config';
import type { Settings } from '../config/settings';
import { invalidRequest } from '../errors/gateway-error';
import type { HedgeOptions } from '../pipeline/connect';

export interface Target {
  providerId: string;
  /** The provider's own model name, without the `provider/` prefix. */
  model: string;
}

export function parseTarget(address: string): Target | undefined {
  const slash = address.indexOf('/');
  if (slash <= 0 || slash === address.length - 1) return undefined;
  return { providerId: address.slice(0, slash), model: address.slice(slash + 1) };
}

/** The hedged-start policy of an alias, if it has one. */
export function hedgeFor(model: string, settings: Settings): HedgeOptions | undefined {
  const hedge = settings.GATEWAY_CONFIG.aliases[model]?.hedge;
  return hedge && { afterMs: hedge.after_ms, maxParallel: hedge.max_parallel };
}

/** The inline stages for a model: its alias's own pipeline, or the gateway-wide one. */
export function pipelineFor(model: string, settings: Settings): PipelineConfig {
  return settings.GATEWAY_CONFIG.aliases[model]?.pipeline ?? settings.GATEWAY_CONFIG.pipeline;
}

/** `provider/model`, or an alias from the config naming an ordered list of them. */
export function resolveTargets(model: string, settings: Settings): Target[] {
  const alias = settings.GATEWAY_CONFIG.aliases[model];
  if (alias) return alias.targets.map((t) => parseTarget(t) as Target);
  const target = parseTarget(model);
  if (!target) {
    throw invalidRequest(
      `Model '${model}' must be addressed as 'provider/model' (e.g. 'sim/default') or be a configured alias.`,
      'model',
      'invalid_model',
    );
  }
  return [target];
}
