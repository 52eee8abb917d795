import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv, Bindings } from '../app-env';
import type { ApiKeyRecord } from '../auth/api-key';
import { gatewayAuth } from '../auth/gateway-auth';
import { findKeyById } from '../auth/key-store';
import { GatewayError } from '../errors/gateway-error';
import { withStorage } from '../errors/storage';
import { presentsAdminKey } from '../middleware/admin-auth';
import { DAY_MS, readUsage } from '../observe/usage-report';
import { validationError } from '../schema/validation-error';

/** The longest range one report covers: a year of days (its rows are bounded too, see MAX_USAGE_ROWS). */
const MAX_DAYS = 366;
/** Without `since`: the 30 days that end with `until`. */
const DEFAULT_DAYS = 30;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD')
  .transform((value) => Date.parse(`${value}T00:00:00Z`))
  .refine((ms) => Number.isFinite(ms), 'is not a day of the calendar');

const querySchema = z.strictObject({
  /** First day included; default DEFAULT_DAYS - 1 days before `until`. */
  since: day.optional(),
  /** Last day included; default today (UTC). */
  until: day.optional(),
  /** The admin view only: one key's requests. */
  key: z.string().min(1).max(128).optional(),
});

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The admin key sees every key; any other caller goes through the gateway's key check, which
 * sets `keyId` for a key. Only a local deployment lets a caller through without one (its one
 * local owner), and that owner sees everything, as it does GET /v1/logs.
 */
const usageAuth = gatewayAuth();

/**
 * GET /v1/usage: requests, tokens and cost by UTC day and model. A key sees its own requests
 * (`key` names another → 403); the admin key sees every key, or the one `key` names. `budget`
 * is the key's remaining budget where it has one, else null.
 */
export const usage = new Hono<AppEnv>()
  .use(async function usageAccess(c, next) {
    if (await presentsAdminKey(c)) return next();
    return usageAuth(c, next);
  })
  .get('/', async (c) => {
    const parsed = querySchema.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error);
    const q = parsed.data;
    const own = c.get('keyId');
    if (own !== undefined && q.key !== undefined && q.key !== own) {
      throw new GatewayError(403, 'permission_error', 'A key sees only its own usage.', {
        code: 'usage_of_another_key',
        param: 'key',
      });
    }
    const until = q.until ?? Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const since = q.since ?? until - (DEFAULT_DAYS - 1) * DAY_MS;
    const days = (until - since) / DAY_MS + 1;
    if (days < 1 || days > MAX_DAYS) {
      throw new GatewayError(400, 'invalid_request_error', `since..until must span 1 to ${MAX_DAYS} days.`, {
        code: 'invalid_range',
        param: days < 1 ? 'since' : 'until',
      });
    }
    const db = c.env.DB;
    if (!db) {
      throw new GatewayError(503, 'server_error', 'The request log store (DB) is not bound.', {
        code: 'log_store_missing',
      });
    }
    const keyId = own ?? q.key;
    const report = await withStorage(
      'request log',
      () => readUsage(db, { since, until: until + DAY_MS, keyId }),
      c.get('requestId'),
    );
    const key = own === undefined ? (q.key === undefined ? null : await findKeyById(db, q.key)) : c.get('apiKey');
    return c.json({
      object: 'usage',
      since: isoDay(since),
      until: isoDay(until),
      key: keyId ?? null,
      ...report,
      budget: await budgetOf(c.env, key),
    });
  });

/** The key's budget as its limiter holds it (spent, reserved, reset); null for a key without one, or for all keys. */
async function budgetOf(env: Bindings, key: ApiKeyRecord | null | undefined) {
  const limiter = env.KEY_LIMITER;
  if (!key?.budget || !limiter) return null;
  const { budget } = key;
  return withStorage('key limiter', () => limiter.get(limiter.idFromName(key.id)).budget(budget));
}
