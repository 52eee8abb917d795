import * as z from 'zod';
import { cacheReplaySchema, cacheTtlSchema } from '../schema/cache-override';

/**
 * `GATEWAY_CONFIG.cache` (every model) or an alias's own: opt-in response caching. `scope: key`
 * keeps each gateway key's entries apart; `gateway` shares them across keys, only where the
 * operator says so.
 */
export const cacheConfigSchema = z.strictObject({
  ttl_s: cacheTtlSchema,
  scope: z.enum(['key', 'gateway']).default('key'),
  replay: cacheReplaySchema.default('immediate'),
});

export type CacheConfig = z.output<typeof cacheConfigSchema>;
