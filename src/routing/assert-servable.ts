import type { Settings } from '../config/settings';
import type { ProviderRegistry } from '../providers/registry';
import { resolveTargets } from './resolve-targets';

/**
 * Refuses a model no target of which could be served, with the error a chat completion for it
 * would end with (the last target's), before anything is created for it. A model served by a
 * provider that decides upstream passes: only the provider can tell.
 */
export function assertServable(model: string, settings: Settings, registry: ProviderRegistry): void {
  let refusal: unknown;
  for (const target of resolveTargets(model, settings)) {
    try {
      refusal = registry.get(target.providerId).refuseModel?.(target.model);
    } catch (error) {
      refusal = error;
    }
    if (refusal === undefined) return;
  }
  throw refusal;
}
