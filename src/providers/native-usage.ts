import type { Usage } from '../stream/events';

type Json = Record<string, unknown>;

const count = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const nested = (value: unknown, key: string): number | undefined =>
  value !== null && typeof value === 'object' ? count((value as Json)[key]) : undefined;

/** Keeps only the counts the provider reported: an absent count must never become 0. */
function defined(usage: Usage): Usage {
  for (const key of Object.keys(usage) as (keyof Usage)[]) if (usage[key] === undefined) delete usage[key];
  return usage;
}

/** An OpenAI-dialect `usage` object (OpenAI, Groq, DeepSeek, OpenRouter, vLLM). */
export function usageFromOpenAI(usage: Json): Usage {
  return defined({
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    // DeepSeek names its cache hits apart from OpenAI's details object.
    cachedInputTokens: nested(usage.prompt_tokens_details, 'cached_tokens') ?? count(usage.prompt_cache_hit_tokens),
    reasoningTokens: nested(usage.completion_tokens_details, 'reasoning_tokens'),
    cost: count(usage.cost),
    native: { dialect: 'openai', value: usage },
  });
}

/**
 * An Anthropic `usage` object. Its `input_tokens` leaves out the tokens read from or written to
 * the cache; `inputTokens` is every prompt token, as OpenAI's `prompt_tokens` is.
 */
export function usageFromAnthropic(usage: Json): Usage {
  const input = count(usage.input_tokens);
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  return defined({
    inputTokens: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
    native: { dialect: 'anthropic', value: usage },
  });
}
