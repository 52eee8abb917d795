import { GatewayError } from '../errors/gateway-error';
import { anthropic } from './anthropic';
import { openAICompatibleDefinition } from './openai-compatible';
import { OPENAI_FAMILY } from './openai-family';
import type { Provider, ProviderDefinition, ProviderEnv } from './provider';
import { sim } from './sim';
import { workersAI } from './workers-ai';

export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [
  ...OPENAI_FAMILY.map(openAICompatibleDefinition),
  anthropic,
  workersAI,
  sim,
];

const byId = new Map(PROVIDER_DEFINITIONS.map((d) => [d.id, d]));

/** The providers this deployment offers, built once per env object (env is fixed per isolate). */
export class ProviderRegistry {
  private readonly providers = new Map<string, Provider>();

  constructor(env: ProviderEnv) {
    for (const definition of PROVIDER_DEFINITIONS) {
      const provider = definition.create(env);
      if (provider) this.providers.set(definition.id, provider);
    }
  }

  list(): Provider[] {
    return [...this.providers.values()];
  }

  /** The configured provider, or an error that tells the operator what to set. */
  get(id: string): Provider {
    const provider = this.providers.get(id);
    if (provider) return provider;
    const definition = byId.get(id);
    if (!definition) {
      throw new GatewayError(404, 'not_found_error', `Unknown provider '${id}'. Use GET /v1/models to list models.`, {
        code: 'model_not_found',
        param: 'model',
      });
    }
    throw new GatewayError(
      400,
      'invalid_request_error',
      `Provider '${id}' is not configured on this gateway: set ${definition.requiredVariable}.`,
      { code: 'provider_not_configured', param: 'model' },
    );
  }
}

const registries = new WeakMap<object, ProviderRegistry>();

export function registryFor(env: ProviderEnv): ProviderRegistry {
  let registry = registries.get(env);
  if (!registry) {
    registry = new ProviderRegistry(env);
    registries.set(env, registry);
  }
  return registry;
}
