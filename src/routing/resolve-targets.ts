import type { PipelineConfig } from '../config/pipeline-config';
import type { Alias, ResumeConfig, Settings } from '../config/settings';
import { invalidRequest } from '../errors/gateway-error';

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

/** The alias a model names, if any. Own keys only: `constructor` is a model name, not an alias. */
export function aliasFor(model: string, settings: Settings): Alias | undefined {
  const aliases = settings.GATEWAY_CONFIG.aliases;
  return Object.hasOwn(aliases, model) ? aliases[model] : undefined;
}

export interface HedgeOptions {
  /** Start the next target when none has produced a first event within this many ms (0: race all). */
  afterMs: number;
  /** Targets running at once, at most. */
  maxParallel: number;
}

/** The hedged-start policy of an alias, if it has one. */
export function hedgeFor(model: string, settings: Settings): HedgeOptions | undefined {
  const hedge = aliasFor(model, settings)?.hedge;
  return hedge && { afterMs: hedge.after_ms, maxParallel: hedge.max_parallel };
}

/** The mid-stream failover policy for a model: its alias's own, or the gateway-wide one. */
export function resumeFor(model: string, settings: Settings): ResumeConfig | undefined {
  return aliasFor(model, settings)?.resume ?? settings.GATEWAY_CONFIG.resume;
}

/** The inline stages for a model: its alias's own pipeline, or the gateway-wide one. */
export function pipelineFor(model: string, settings: Settings): PipelineConfig {
  return aliasFor(model, settings)?.pipeline ?? settings.GATEWAY_CONFIG.pipeline;
}

/** `provider/model`, or an alias from the config naming an ordered list of them. */
export function resolveTargets(model: string, settings: Settings): Target[] {
  const alias = aliasFor(model, settings);
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
