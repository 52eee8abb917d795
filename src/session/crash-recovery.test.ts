import { describe, expect, it } from 'vitest';
import { withSessionSql } from '../../test/support/session-sql';
import { recoverLostTurn } from './crash-recovery';
import { openTables } from './session-tables';

describe('recoverLostTurn', () => {
  it('records a turn still marked active as failed with its partial reply, and tells the replay log', () =>
    withSessionSql((sql) => {
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
    withSessionSql((sql) => {
      const tables = openTables(sql);
      recoverLostTurn(tables);
      expect(tables.history.list()).toEqual([]);
      expect(tables.log.lastSeq()).toBe(0);
    }));
});
