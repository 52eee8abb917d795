import { type Price, priceOf } from '../config/prices';

/** Token counts as the log record keeps them: `input` counts every prompt token, cached ones included. */
export interface TokenCounts {
  input?: number;
  output?: number;
  cachedInput?: number;
  cacheCreationInput?: number;
}

/**
 * What a request cost in USD. `usd` is absent when a model it consumed has no price: the
 * `unpriced` models are named instead of a guess. `estimated`: some counts are the gateway's
 * estimate (the provider sent no usage, or a hedged leg that lost read the prompt).
 */
export interface CostRecord {
  usd?: number;
  estimated: boolean;
  unpriced?: string[];
  /** The served attempt's share is the provider's own figure (its `usage.cost`), not the price table's. */
  reported?: boolean;
}

const PER_MILLION = 1_000_000;

/** USD for `tokens` at `price`: cache reads and writes at their own prices, reasoning inside output. */
export function tokensCost(tokens: TokenCounts, price: Price): number {
  const cached = tokens.cachedInput ?? 0;
  const written = tokens.cacheCreationInput ?? 0;
  const plain = Math.max(0, (tokens.input ?? 0) - cached - written);
  const usd =
    plain * price.input +
    cached * (price.cached_input ?? price.input) +
    written * (price.cache_write ?? price.input) +
    (tokens.output ?? 0) * price.output;
  return usd / PER_MILLION;
}

/** One model's share of a request: the served attempt, or a leg that consumed tokens and lost. */
export interface CostPart {
  provider: string;
  model: string;
  tokens: TokenCounts;
  estimated: boolean;
  /**
   * What the provider said this part cost (OpenRouter's `usage.cost`). It wins over the table:
   * it is what the provider bills, after its own routing and discounts, and it prices models the
   * table does not know.
   */
  reportedUsd?: number;
}

/** The request's cost from its parts, each at its model's price (the operator's, else built in). */
export function requestCost(parts: readonly CostPart[], prices: Readonly<Record<string, Price>>): CostRecord {
  let usd = 0;
  let estimated = false;
  let reported = false;
  const unpriced = new Set<string>();
  for (const part of parts) {
    estimated ||= part.estimated;
    if (part.reportedUsd !== undefined) {
      usd += part.reportedUsd;
      reported = true;
      continue;
    }
    const price = priceOf(prices, part.provider, part.model);
    if (!price) unpriced.add(`${part.provider}/${part.model}`);
    else usd += tokensCost(part.tokens, price);
  }
  const source = reported ? { reported } : {};
  if (unpriced.size > 0) return { estimated, unpriced: [...unpriced], ...source };
  return { usd, estimated, ...source };
}
