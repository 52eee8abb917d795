import { priceOf } from '../config/prices';
import type { Settings } from '../config/settings';
import { resolveTargets, resumeFor } from '../routing/resolve-targets';
import { type ChatRequest, maxOutputTokens } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import type { KeyBudget } from './api-key';

const PER_MILLION = 1_000_000;
const encoder = new TextEncoder();

/**
 * A request under a key's budget carries an output cap: the one it set, else
 * BUDGET_DEFAULT_MAX_TOKENS, set on the request so that the reservation is a real worst case
 * (on a Responses body relayed as sent too: it took its cap, or none, from that body). Output
 * that costs nothing at every target (the simulator) needs no cap, and gets none.
 */
export function capForBudget(
  request: ChatRequest,
  budget: KeyBudget | null | undefined,
  settings: Settings,
): ChatRequest {
  if (!budget || maxOutputTokens(request) !== undefined) return request;
  const prices = settings.GATEWAY_CONFIG.prices;
  const outputPrices = resolveTargets(request.model, settings).map(
    (target) => priceOf(prices, target.providerId, target.model)?.output,
  );
  if (outputPrices.every((price) => price === 0)) return request;
  const cap = settings.BUDGET_DEFAULT_MAX_TOKENS;
  const origin = request[ORIGIN];
  const native = origin?.responses && {
    [ORIGIN]: { ...origin, responses: { ...origin.responses, max_output_tokens: cap } },
  };
  return { ...request, max_tokens: cap, ...native };
}

/** The most a request may cost in USD, or the first of its models that has no price. */
export type WorstCase = { usd: number } | { unpriced: string };

/**
 * What admission reserves of a budget: the prompt as sent, one token per byte (no tokenizer
 * makes fewer bytes into a token, so this never under-counts text; images count at their encoded
 * size), at the dearest prompt price (cache writes cost more than plain input at some providers),
 * plus the output cap at the output price, for the dearest of the targets an alias may use. Every
 * other attempt the request may make (each target's retries, fallbacks, hedged legs) may be
 * billed its prompt without serving (a hedged leg that lost, one given up on while it prefilled:
 * src/spine/request-record.ts), so each adds the prompt once more. Where the route splices
 * (README, *Mid-stream failover*), each of its `max_splices` continuations is a request of its
 * own: it re-reads the prompt and the text so far (at most the cap once more per splice before
 * it) and is sent the whole cap again, with the same attempts; any target may serve it.
 */
export function worstCaseCost(request: ChatRequest, settings: Settings): WorstCase {
  const prompt = encoder.encode(JSON.stringify([request.messages, request.tools ?? null])).length;
  const output = maxOutputTokens(request) ?? settings.BUDGET_DEFAULT_MAX_TOKENS;
  const targets = resolveTargets(request.model, settings);
  const rates: { input: number; output: number }[] = [];
  for (const target of targets) {
    const price = priceOf(settings.GATEWAY_CONFIG.prices, target.providerId, target.model);
    if (!price) return { unpriced: `${target.providerId}/${target.model}` };
    rates.push({ input: Math.max(price.input, price.cached_input ?? 0, price.cache_write ?? 0), output: price.output });
  }
  const attempts = targets.length * (1 + settings.UPSTREAM_MAX_RETRIES);
  /** One request that reads `read` tokens and may write the cap, with every attempt it may make. */
  const requestUsd = (read: number) => {
    const served = Math.max(...rates.map((rate) => read * rate.input + output * rate.output));
    const unserved = Math.max(...rates.map((rate) => read * rate.input));
    return (served + (attempts - 1) * unserved) / PER_MILLION;
  };
  const resume = resumeFor(request.model, settings);
  const splices = resume?.mode === 'splice' ? resume.max_splices : 0;
  let usd = requestUsd(prompt);
  for (let splice = 1; splice <= splices; splice++) usd += requestUsd(prompt + splice * output);
  return { usd };
}
