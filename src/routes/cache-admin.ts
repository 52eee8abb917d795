import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import type { PurgeTarget } from '../cache/cache-entry';
import { allShards, shardOf } from '../cache/cache-shards';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import { adminAuth } from '../middleware/admin-auth';

/** What the query names: exactly one of a key, a model, or everything. */
function purgeTarget(query: (name: string) => string | undefined): PurgeTarget {
  const key = query('key');
  const model = query('model');
  const all = query('all') === 'true';
  if ([key, model, all || undefined].filter((given) => given !== undefined).length !== 1)
    throw invalidRequest("Give exactly one of 'key', 'model' or 'all=true'.", 'key');
  if (key !== undefined && !/^[0-9a-f]{64}$/.test(key))
    throw invalidRequest("'key' must be a cache key (64 hex digits).", 'key');
  if (key !== undefined) return { key };
  return model !== undefined ? { model: model.slice(0, 256) } : { all: true };
}

/**
 * DELETE /v1/cache (admin key): `?key=<digest>` (a response's `x-infe-cache-key`, or a log
 * record's), `?model=<as addressed>`, or `?all=true`. Answers with how many entries went.
 */
export const cacheAdmin = new Hono<AppEnv>().use(adminAuth()).delete('/', async (c) => {
  const namespace = c.env.RESPONSE_CACHE;
  if (!namespace)
    throw new GatewayError(503, 'server_error', 'The response cache needs the RESPONSE_CACHE binding.', {
      code: 'no_storage',
    });
  const target = purgeTarget((name) => c.req.query(name));
  const shards = 'key' in target ? [shardOf(namespace, target.key)] : allShards(namespace);
  const counts = await Promise.all(shards.map((shard) => shard.purge(target)));
  return c.json({ object: 'cache.purge', purged: counts.reduce((sum, count) => sum + count, 0) });
});
