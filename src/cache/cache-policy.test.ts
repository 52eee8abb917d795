import { describe, expect, it } from 'vitest';
import { settingsFor } from '../config/settings';
import { bypasses, cachePolicy, DEFAULT_TTL_S } from './cache-policy';

const settings = (config: unknown) => settingsFor({ GATEWAY_CONFIG: JSON.stringify(config) });

describe('cachePolicy', () => {
  it('is off unless the config or the request asks for it', () => {
    expect(cachePolicy('local/m', settings({}))).toBeUndefined();
    expect(cachePolicy('local/m', settings({}), {})).toEqual({ ttlS: DEFAULT_TTL_S, scope: 'key', paced: false });
  });

  it("an alias's cache replaces the gateway-wide one; the request's TTL and replay win", () => {
    const s = settings({
      cache: { ttl_s: 60 },
      aliases: { shared: { targets: ['local/m'], cache: { ttl_s: 600, scope: 'gateway', replay: 'recorded' } } },
    });
    expect(cachePolicy('local/m', s)).toEqual({ ttlS: 60, scope: 'key', paced: false });
    expect(cachePolicy('shared', s)).toEqual({ ttlS: 600, scope: 'gateway', paced: true });
    expect(cachePolicy('shared', s, { ttl_s: 5, replay: 'immediate' })).toEqual({
      ttlS: 5,
      scope: 'gateway',
      paced: false,
    });
  });

  it("under gateway scope a request's TTL is capped at the operator's; in its own scope it is not", () => {
    const s = settings({
      cache: { ttl_s: 60 },
      aliases: { shared: { targets: ['local/m'], cache: { ttl_s: 600, scope: 'gateway' } } },
    });
    expect(cachePolicy('shared', s, { ttl_s: 86_400 })?.ttlS).toBe(600);
    expect(cachePolicy('local/m', s, { ttl_s: 86_400 })?.ttlS).toBe(86_400);
  });

  it('Cache-Control no-store and no-cache bypass; other directives do not', () => {
    expect(bypasses('no-store')).toBe(true);
    expect(bypasses('max-age=0, No-Cache')).toBe(true);
    expect(bypasses('max-age=60')).toBe(false);
    expect(bypasses('x-no-cacheable')).toBe(false);
    expect(bypasses(undefined)).toBe(false);
  });
});
