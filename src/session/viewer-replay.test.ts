import { describe, expect, it } from 'vitest';
import { withSessionSql } from '../../test/support/session-sql';
import { ReplayLog } from './replay-log';
import { viewerReplay } from './viewer-replay';

describe('viewerReplay', () => {
  it('replays after a Last-Event-ID, or the given turn from its start, or nothing', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql);
      log.append('t1', [{ type: 'token', text: 'a' }]);
      log.append('t2', [
        { type: 'token', text: 'b' },
        { type: 'token', text: 'c' },
      ]);
      expect(viewerReplay(log, '1', 't2').map((e) => e.seq)).toEqual([2, 3]);
      expect(viewerReplay(log, null, 't2').map((e) => e.seq)).toEqual([2, 3]);
      expect(viewerReplay(log, 'garbage', 't1').map((e) => e.seq)).toEqual([1]);
      expect(viewerReplay(log, null, undefined)).toEqual([]);
    }));

  it('says so when the events after the Last-Event-ID were pruned', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql);
      for (let turn = 0; turn < 6; turn++) {
        log.append(`t${turn}`, [{ type: 'token', text: `${turn}` }]);
        log.prune();
      }
      const [notice] = viewerReplay(log, '1', undefined);
      expect(notice).toMatchObject({ seq: 1, event: { type: 'error', code: 'replay_truncated' } });
    }));
});
