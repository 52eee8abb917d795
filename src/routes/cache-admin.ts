import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { purgeIndex } from '../cache/cache-index-do';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import { adminAuth } from '../middleware/admin-auth';

/** Purges run this many cache objects at once: enough to be quick, few enough not to flood. */
const PURGE_PARALLEL = 32;

/**
 * DELETE /v1/cache (admin key): `?key=<digest>` (from a response's `x-infe-cache-key` or a log
 * record), `?model=<as addressed>`, or `?all=true`. Answers with how many entries went.
 */
export const cacheAdmin = new Hono<AppEnv>().use(adminAuth()).delete('/', async (c) => {
  const namespace = c.env.RESPONSE_CACHE;
  if (!namespace)
    throw new GatewayError(503, 'server_error', 'The response cache needs the RESPONSE_CACHE binding.', {
      code: 'no_storage',
    });
  const key = c.req.query('key');
  const model = c.req.query('model');
  const all = c.req.query('all') === 'true';
  if ([key, model, all || undefined].filter((given) => given !== undefined).length !== 1)
    throw invalidRequest("Give exactly one of 'key', 'model' or 'all=true'.", 'key');
  if (key !== undefined && !/^[0-9a-f]{64}$/.test(key))
    throw invalidRequest("'key' must be a cache key (64 hex digits).", 'key');
  const keys = key !== undefined ? [key] : ((await purgeIndex(c.env)?.take(all ? undefined : model)) ?? []);
  for (let start = 0; start < keys.length; start += PURGE_PARALLEL) {
    const batch = keys.slice(start, start + PURGE_PARALLEL);
    await Promise.all(batch.map((name) => namespace.get(namespace.idFromName(name)).purge()));
  }
  return c.json({ object: 'cache.purge', purged: keys.length });
});
