import type { Usage } from '../stream/events';

type Json = Record<string, unknown>;

/**
 * The client's `usage.cost` in USD, as OpenRouter's clients read it. The provider's own `cost`
 * wins and goes out untouched (it is what the provider bills); otherwise the gateway's figure
 * for the request.
 */
export const clientCost = (usage: Usage): number | undefined => usage.cost ?? usage.costUsd;

/** `out` with the client's `cost`, unless it already carries one (the provider's own object). */
export function withCost(out: Json, usage: Usage): Json {
  const cost = clientCost(usage);
  if (out.cost === undefined && cost !== undefined) out.cost = cost;
  return out;
}

/**
 * Usage in OpenAI's shape. From an OpenAI-dialect provider its own object goes out whole (with
 * every detail it had), the typed counts written over it where a stage changed one (an estimated
 * output count). A count nobody reported stays absent rather than 0.
 */
export function openAIUsage(usage: Usage): Json {
  const out: Json = usage.native?.dialect === 'openai' ? { ...usage.native.value } : {};
  if (usage.inputTokens !== undefined) out.prompt_tokens = usage.inputTokens;
  if (usage.outputTokens !== undefined) out.completion_tokens = usage.outputTokens;
  if (usage.inputTokens !== undefined && usage.outputTokens !== undefined) {
    out.total_tokens = usage.inputTokens + usage.outputTokens;
  }
  if (usage.native?.dialect === 'openai') return withCost(out, usage);
  if (usage.cachedInputTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return withCost(out, usage);
}

/**
 * Usage in Anthropic's shape, whose `input_tokens` leaves out cache reads and writes. From an
 * Anthropic provider its own object goes out whole; from another dialect the cache split is
 * derived from the cached count.
 */
export function anthropicUsage(usage: Usage | undefined): Json {
  if (!usage) return {};
  const native = usage.native?.dialect === 'anthropic' ? usage.native.value : undefined;
  const out: Json = native ? { ...native } : {};
  if (usage.outputTokens !== undefined) out.output_tokens = usage.outputTokens;
  if (native) return withCost(out, usage);
  const cached = (usage.cachedInputTokens ?? 0) + (usage.cacheCreationInputTokens ?? 0);
  if (usage.inputTokens !== undefined) out.input_tokens = usage.inputTokens - cached;
  if (usage.cachedInputTokens !== undefined) out.cache_read_input_tokens = usage.cachedInputTokens;
  if (usage.cacheCreationInputTokens !== undefined) out.cache_creation_input_tokens = usage.cacheCreationInputTokens;
  return withCost(out, usage);
}
