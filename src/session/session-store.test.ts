import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { SessionSettings } from './session-settings';
import { SessionStore } from './session-store';

/** A fresh session object's SQLite per test. */
function withSql(fn: (sql: SqlStorage) => void): Promise<void> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(state.storage.sql));
}

const settings: SessionSettings = {
  id: 'sess_abc',
  owner: 'key-1',
  model: 'local/echo',
  system: 'Be brief.',
  context_budget: 8192,
  context_trim_to: 0.5,
  on_busy: 'redirect',
  warmup: false,
  created_at: 1_700_000_000_000,
};

describe('SessionStore', () => {
  it('has no settings until init, then the same settings after a restart', () =>
    withSql((sql) => {
      const store = new SessionStore(sql);
      expect(store.get()).toBeUndefined();
      store.init(settings);
      expect(new SessionStore(sql).get()).toEqual(settings);
    }));

  it('refuses a second init with a 409 and keeps the first settings', () =>
    withSql((sql) => {
      const store = new SessionStore(sql);
      store.init(settings);
      expect(() => store.init({ ...settings, owner: 'someone-else' })).toThrow(
        expect.objectContaining({ status: 409, code: 'session_exists' }),
      );
      expect(store.get()?.owner).toBe('key-1');
    }));
});
