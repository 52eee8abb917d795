import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callGateway, chat, fakeEnv } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

/** The real test D1, with `table` renamed in every statement: D1 itself reports it missing, as after a deploy without migrations. */
function withoutTable(table: string): D1Database {
  const db = env.DB;
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare')
        return (sql: string) => target.prepare(sql.replaceAll(table, `${table}_never_migrated`));
      return Reflect.get(target, property);
    },
  });
}

describe("faults of the gateway's own storage are a 503 that says what is wrong", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a missing key table: 503 naming the migration command', async () => {
    const { key } = await createKey();
    const res = await callGateway({
      body: chat('sim/fast'),
      env: deployed({ DB: withoutTable('api_keys') }),
      headers: bearer(key),
    });
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    expect(error.code).toBe('database_schema_missing');
    expect(error.message).toContain('wrangler d1 migrations apply infe');
  });

  it('a missing sessions table: 503 too, not a 500', async () => {
    const res = await callGateway({ path: '/v1/sessions', env: fakeEnv({ DB: withoutTable('sessions') }) });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('database_schema_missing');
  });

  it('a failing key limiter: 503 with Retry-After and a log line naming the cause', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { key } = await createKey({ rpm: 100 });
    const broken = {
      idFromName: (name: string) => env.KEY_LIMITER.idFromName(name),
      get: () => ({ acquire: () => Promise.reject(new Error('limiter overloaded')) }),
    };
    const res = await callGateway({
      body: chat('sim/fast'),
      env: deployed({ KEY_LIMITER: broken }),
      headers: bearer(key),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(res)).code).toBe('storage_unavailable');
    const lines = logged.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'storage_failed', store: 'key limiter', cause: 'Error: limiter overloaded' }),
    );
  });
});
