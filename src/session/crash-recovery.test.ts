import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { recoverLostTurn } from './crash-recovery';
import { openTables } from './session-tables';

function withSql(fn: (sql: SqlStorage) => void): Promise<void> {
  const stub = env.SESSIONS.get(env.SESSIONS.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(state.storage.sql));
}

describe('recoverLostTurn', () => {
  it('records a turn still marked active as failed with its partial reply, and tells the replay log', () =>
    withSql((sql) => {
      const tables = openTables(sql);
      tables.marker.set('t1');
      tables.log.append('t1', [
        { type: 'turn-start', turnId: 't1', content: 'Hi' },
        { type: 'token', text: 'Hel' },
        { type: 'token', text: 'lo' },
      ]);
      // A restart: the same tables, opened again.
      const reopened = openTables(sql);
      recoverLostTurn(reopened);
      expect(reopened.marker.get()).toBeUndefined();
      expect(reopened.history.list()).toMatchObject([
        { turnId: 't1', role: 'assistant', content: 'Hello', status: 'failed' },
      ]);
      expect(reopened.log.turnEvents('t1').at(-1)?.event).toMatchObject({ type: 'error', code: 'generation_lost' });
    }));

  it('does nothing when no turn was running', () =>
    withSql((sql) => {
      const tables = openTables(sql);
      recoverLostTurn(tables);
      expect(tables.history.list()).toEqual([]);
      expect(tables.log.lastSeq()).toBe(0);
    }));
});
