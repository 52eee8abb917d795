import type { ApiKeyRecord, BudgetPeriod } from './api-key';

/**
 * How long a looked-up key is trusted without asking D1 again. A revoked key stops working
 * within this time on every isolate; a lookup per request would add a D1 round trip to TTFT.
 */
export const KEY_CACHE_MS = 30_000;
/** Unknown keys are remembered for less: a key just created should work almost at once. */
export const MISS_CACHE_MS = 3_000;
const MAX_CACHED = 1000;

interface Row {
  id: string;
  name: string;
  models: string | null;
  rpm: number | null;
  concurrency: number | null;
  budget_usd: number | null;
  budget_period: BudgetPeriod | null;
  expires_at: number | null;
  revoked_at: number | null;
}

const cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

/** The key whose SHA-256 is `hash`, trusted for KEY_CACHE_MS. */
export function findKey(db: D1Database, hash: string, now = Date.now()): Promise<ApiKeyRecord | null> {
  return lookUp(db, 'hash', hash, now);
}

/**
 * The key with this id, under the same cache as `findKey`: a session's WebSocket outlives the
 * request that presented the key, so each turn sent over it looks the key up again by its id.
 */
export function findKeyById(db: D1Database, id: string, now = Date.now()): Promise<ApiKeyRecord | null> {
  return lookUp(db, 'id', id, now);
}

async function lookUp(db: D1Database, column: 'hash' | 'id', value: string, now: number) {
  const cacheKey = `${column}:${value}`;
  const cached = cache.get(cacheKey);
  if (cached && cached.until > now) return cached.record;
  const row = await db
    .prepare(
      `SELECT id, name, models, rpm, concurrency, budget_usd, budget_period, expires_at, revoked_at FROM api_keys WHERE ${column} = ?`,
    )
    .bind(value)
    .first<Row>();
  const record: ApiKeyRecord | null = row
    ? {
        id: row.id,
        name: row.name,
        models: row.models === null ? null : (JSON.parse(row.models) as string[]),
        rpm: row.rpm,
        concurrency: row.concurrency,
        // A budget without a period is a monthly one, as `npm run keys` defaults it.
        budget: row.budget_usd === null ? null : { usd: row.budget_usd, period: row.budget_period ?? 'month' },
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at,
      }
    : null;
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(cacheKey, { record, until: now + (record ? KEY_CACHE_MS : MISS_CACHE_MS) });
  return record;
}

/** Whether any key exists at all: a deployment with none tells callers how to create one. */
export async function anyKeys(db: D1Database): Promise<boolean> {
  return (await db.prepare('SELECT 1 AS one FROM api_keys LIMIT 1').first()) !== null;
}
