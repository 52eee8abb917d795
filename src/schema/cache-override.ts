import * as z from 'zod';

/** A month: Cloudflare AI Gateway's longest TTL; a cached answer older than that is rarely still wanted. */
export const MAX_CACHE_TTL_S = 30 * 24 * 3600;

export const cacheTtlSchema = z.int().min(1).max(MAX_CACHE_TTL_S);
/** `immediate`: a hit streams at once; `recorded`: at the pace the upstream produced it. */
export const cacheReplaySchema = z.enum(['immediate', 'recorded']);

/** A request's own `infe.cache`: it only ever touches the caller's own entries. */
export const cacheOverrideSchema = z.strictObject({
  ttl_s: cacheTtlSchema.optional(),
  replay: cacheReplaySchema.optional(),
});

export type CacheOverride = z.output<typeof cacheOverrideSchema>;
