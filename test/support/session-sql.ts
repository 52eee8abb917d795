import { env, runInDurableObject } from 'cloudflare:test';

/** A fresh session object's SQLite per test, for the modules that take their storage as an argument. */
export function withSessionSql(fn: (sql: SqlStorage) => void): Promise<void> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(state.storage.sql));
}
