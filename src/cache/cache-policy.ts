import type { Settings } from '../config/settings';
import { aliasFor } from '../routing/resolve-targets';
import type { CacheOverride } from '../schema/cache-override';

/** A request's `infe.cache` with no TTL of its own and no configured one: five minutes. */
export const DEFAULT_TTL_S = 300;

export interface CachePolicy {
  ttlS: number;
  scope: 'key' | 'gateway';
  paced: boolean;
}

/** `Cache-Control: no-store` or `no-cache` from the client: neither read nor write the cache. */
export function bypasses(cacheControl: string | undefined): boolean {
  return /(^|[\s,])no-(store|cache)\b/i.test(cacheControl ?? '');
}

/**
 * Whether and how a request is cached: its alias's `cache`, else the gateway-wide one, with the
 * request's own `infe.cache` on top (it may turn caching on for itself, in its own scope).
 * Under `scope: "gateway"` an entry is every key's, so a request may shorten its TTL but not
 * keep it past the operator's. Undefined when nothing asks for caching.
 */
export function cachePolicy(model: string, settings: Settings, override?: CacheOverride): CachePolicy | undefined {
  const configured = aliasFor(model, settings)?.cache ?? settings.GATEWAY_CONFIG.cache;
  if (!configured && !override) return undefined;
  const scope = configured?.scope ?? 'key';
  const operatorTtlS = configured?.ttl_s ?? DEFAULT_TTL_S;
  const ttlS = override?.ttl_s ?? operatorTtlS;
  return {
    ttlS: scope === 'gateway' ? Math.min(ttlS, operatorTtlS) : ttlS,
    scope,
    paced: (override?.replay ?? configured?.replay) === 'recorded',
  };
}
