export type BudgetPeriod = 'day' | 'month';

/** USD a key may spend per calendar period (UTC), enforced by its limiter (src/auth/key-budget.ts). */
export interface KeyBudget {
  usd: number;
  period: BudgetPeriod;
}

/** What a gateway key may do; `null` means no limit. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Model patterns: `provider/model`, `provider/*`, an alias, or `*`. */
  models: string[] | null;
  rpm: number | null;
  concurrency: number | null;
  budget: KeyBudget | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

const encoder = new TextEncoder();

/** Keys are stored and looked up by their SHA-256, so a database leak leaks no usable key. */
export async function hashKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(key)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `openai/gpt-4o` is allowed by `openai/gpt-4o`, `openai/*` or `*`. An alias (`aliasTargets`
 * given) is allowed by its own name, by `*`, or when every target it resolves to is allowed: a
 * `provider/*` pattern speaks of providers, so an alias merely named `sim/evil` is not a sim model.
 */
export function modelAllowed(record: ApiKeyRecord, model: string, aliasTargets?: readonly string[]): boolean {
  const patterns = record.models;
  if (patterns === null) return true;
  const allows = (name: string) =>
    patterns.some((pattern) => {
      if (pattern === '*' || pattern === name) return true;
      return pattern.endsWith('/*') && name.startsWith(pattern.slice(0, -1));
    });
  if (!aliasTargets) return allows(model);
  return patterns.includes('*') || patterns.includes(model) || aliasTargets.every(allows);
}

/** The credential from `Authorization: Bearer …` or, for Anthropic-style clients, `x-api-key`. */
export function presentedKey(headers: Headers): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  return bearer ?? headers.get('x-api-key')?.trim() ?? undefined;
}
