import * as z from 'zod';

/** The day the built-in table was last checked against the providers' price pages. */
export const PRICES_AS_OF = '2026-12-01';

/** USD per million tokens. */
export const priceSchema = z.strictObject({
  input: z.number().min(0),
  /** Prompt tokens read from the provider's cache; the input price when absent. */
  cached_input: z.number().min(0).optional(),
  /** Prompt tokens written to the cache (Anthropic bills them above input); the input price when absent. */
  cache_write: z.number().min(0).optional(),
  /** Every output token, reasoning included. */
  output: z.number().min(0),
});

export type Price = z.infer<typeof priceSchema>;

/** `GATEWAY_CONFIG.prices`: keyed `provider/model`, they replace or extend the built-in table. */
export const pricesSchema = z.record(z.string().regex(/^[^/\s]+\/\S+$/, "must be 'provider/model'"), priceSchema);

/**
 * The models each provider lists by default, at list price on PRICES_AS_OF. Operators with
 * other rates (batch, committed use, a new price) override them in GATEWAY_CONFIG. The simulator
 * runs no GPU: its tokens cost nothing.
 */
const BUILT_IN: Readonly<Record<string, Price>> = {
  'openai/gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'openai/gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'openai/gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
  'openai/gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  'anthropic/claude-sonnet-4-5': { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  'anthropic/claude-haiku-4-5': { input: 1, cached_input: 0.1, cache_write: 1.25, output: 5 },
  'anthropic/claude-opus-4-1': { input: 15, cached_input: 1.5, cache_write: 18.75, output: 75 },
  'groq/llama-3.3-70b-versatile': { input: 0.59, output: 0.79 },
  'groq/llama-3.1-8b-instant': { input: 0.05, output: 0.08 },
  'cerebras/llama-3.3-70b': { input: 0.85, output: 1.2 },
  'cerebras/llama3.1-8b': { input: 0.1, output: 0.1 },
  'together/meta-llama/Llama-3.3-70B-Instruct-Turbo': { input: 0.88, output: 0.88 },
  'fireworks/accounts/fireworks/models/llama-v3p3-70b-instruct': { input: 0.9, output: 0.9 },
  'deepseek/deepseek-chat': { input: 0.28, cached_input: 0.028, output: 0.42 },
  'deepseek/deepseek-reasoner': { input: 0.28, cached_input: 0.028, output: 0.42 },
  'mistral/mistral-large-latest': { input: 2, output: 6 },
  'mistral/mistral-small-latest': { input: 0.1, output: 0.3 },
  'openrouter/openai/gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  'workers-ai/@cf/meta/llama-3.3-70b-instruct-fp8-fast': { input: 0.293, output: 2.253 },
  'workers-ai/@cf/meta/llama-3.1-8b-instruct': { input: 0.282, output: 0.827 },
  'sim/default': { input: 0, output: 0 },
  'sim/fast': { input: 0, output: 0 },
};

/** The price of `provider/model`: the operator's, else the built-in one, else undefined (unpriced, never guessed). */
export function priceOf(
  overrides: Readonly<Record<string, Price>>,
  provider: string,
  model: string,
): Price | undefined {
  const key = `${provider}/${model}`;
  return overrides[key] ?? BUILT_IN[key];
}
