import type { EnvVars } from '../config/env';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import { withStorage } from '../errors/storage';
import type { ChatRequest } from '../schema/chat-request';
import type { KeyBudget } from './api-key';
import type { BudgetCheck } from './key-budget';
import type { StreamLease } from './key-handoff';
import type { KeyLimiterDO } from './key-limiter-do';
import { worstCaseCost } from './worst-case-cost';

/**
 * The request's worst case (worst-case-cost.ts), refused with a 403 naming the model when one of
 * its models has no price: a budget cannot hold what it cannot count.
 */
export function reservation(request: ChatRequest, env: EnvVars): number {
  const worst = worstCaseCost(request, settingsFor(env));
  if ('usd' in worst) return worst.usd;
  throw new GatewayError(
    403,
    'permission_error',
    `This key has a budget and model '${worst.unpriced.slice(0, 200)}' has no price, so its cost cannot be reserved; the operator can set one in GATEWAY_CONFIG.prices.`,
    { code: 'model_unpriced', param: 'model' },
  );
}

/**
 * Reserves `request`'s worst case on a lease the caller already holds (a session turn or warm-up,
 * whose prompt is known only inside the session object): the 403 or 429 admission would give.
 */
export async function reserveOnLease(
  limiter: DurableObjectNamespace<KeyLimiterDO>,
  lease: StreamLease,
  request: ChatRequest,
  env: EnvVars,
): Promise<void> {
  const { budget } = lease;
  if (!budget) return;
  const usd = reservation(request, env);
  const stub = limiter.get(limiter.idFromName(lease.keyId));
  const room = await withStorage('key limiter', async () => stub.reserve(lease.lease, budget, usd));
  if (!room.ok) throw budgetExceeded(room, usd, budget);
  lease.reservedUsd = (lease.reservedUsd ?? 0) + usd;
}

const dollars = (usd: number) => `$${usd.toFixed(usd > 0 && usd < 0.01 ? 6 : 2)}`;

/**
 * 429 with Retry-After at the period's reset. A request that would not fit even a fresh budget
 * says so (lower max_tokens): waiting alone will not admit it.
 */
export function budgetExceeded(
  refusal: Extract<BudgetCheck, { ok: false }>,
  askUsd: number,
  budget: KeyBudget,
): GatewayError {
  const limit = `${dollars(budget.usd)} per ${budget.period}`;
  const message =
    askUsd <= budget.usd
      ? `This key's budget of ${limit} cannot cover this request: its worst case is ${dollars(askUsd)} and ${dollars(refusal.remainingUsd)} is left until the budget resets.`
      : `This request's worst case (${dollars(askUsd)}) is more than this key's whole budget of ${limit}; lower max_tokens.`;
  return new GatewayError(429, 'rate_limit_error', message, {
    code: 'budget_exceeded',
    retryAfter: refusal.retryAfterSeconds,
  });
}
