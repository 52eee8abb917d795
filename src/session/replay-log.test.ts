import { describe, expect, it } from 'vitest';
import { withSessionSql } from '../../test/support/session-sql';
import { ReplayLog } from './replay-log';
import type { SessionEvent } from './session-events';

const tokens = (...texts: string[]): SessionEvent[] => texts.map((text) => ({ type: 'token', text }));
const rowCount = (sql: SqlStorage) => sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM replay_segments').one().n;
const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** One turn of `count` token events, appended a few at a time as upstream reads would. */
function appendTurn(log: ReplayLog, turnId: string, count: number, text = (i: number) => `tok${i} `): SessionEvent[] {
  const events: SessionEvent[] = [{ type: 'turn-start', turnId, content: 'question' }];
  for (let i = 0; i < count; i++) events.push({ type: 'token', text: text(i) });
  events.push({ type: 'finish', reason: 'stop' });
  for (let i = 0; i < events.length; i += 3) log.append(turnId, events.slice(i, i + 3));
  return events;
}

describe('ReplayLog', () => {
  it('numbers events 1, 2, 3… across segment boundaries and appends', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql, { segmentMaxBytes: 200 });
      const first = log.append('t1', tokens('a', 'b'));
      const events = appendTurn(log, 't1', 40);
      expect(seqs(first)).toEqual([1, 2]);
      expect(log.lastSeq()).toBe(events.length + 2);
      expect(rowCount(sql)).toBeGreaterThan(5);
      const stored = log.turnEvents('t1');
      expect(seqs(stored)).toEqual(range(1, events.length + 2));
      expect(stored.map((e) => e.event)).toEqual([...tokens('a', 'b'), ...events]);
      expect(stored.every((e) => e.turnId === 't1')).toBe(true);
    }));

  it('after(k) returns exactly the events after k, for every k of a multi-segment turn', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql, { segmentMaxBytes: 150 });
      const events = appendTurn(log, 't1', 50);
      const all = log.after(0);
      expect(all.truncated).toBe(false);
      expect(all.events.map((e) => e.event)).toEqual(events);
      for (let k = 0; k <= events.length + 1; k++) {
        const { events: suffix, truncated } = log.after(k);
        expect(truncated).toBe(false);
        expect(seqs(suffix)).toEqual(range(k + 1, events.length));
        expect(suffix.map((e) => e.event)).toEqual(events.slice(k));
      }
    }));

  it('keeps a reply of 2,000 tokens in a couple of rows', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql);
      appendTurn(log, 't1', 2000, (i) => ` word${i}`);
      expect(rowCount(sql)).toBeLessThanOrEqual(2);
      expect(log.turnEvents('t1')).toHaveLength(2002);
    }));

  it('stores multi-byte text, and events larger than a segment across rows, unchanged', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql, { segmentMaxBytes: 64 });
      const big = '€😀é"\\\n'.repeat(40); // 3-, 4-, 2-byte characters and JSON escapes, far over 64 bytes
      const events: SessionEvent[] = [
        { type: 'turn-start', turnId: 't1', content: big },
        ...tokens('héllo ', '世界', '😀'),
        { type: 'reasoning', text: big },
        ...tokens('→ done'),
        { type: 'error', code: 'x', message: `too long: ${big}` },
      ];
      for (const event of events) log.append('t1', [event]);
      expect(sql.exec('SELECT 1 FROM replay_segments WHERE part IS NOT NULL').toArray().length).toBeGreaterThan(10);
      for (let k = 0; k <= events.length; k++) {
        expect(log.after(k).events.map((e) => e.event)).toEqual(events.slice(k));
      }
      // The stored rows are valid UTF-8: no character was cut in two.
      const bodies = sql.exec<{ body: string }>('SELECT body FROM replay_segments').toArray();
      expect(bodies.some((row) => row.body.includes('\ufffd'))).toBe(false);
    }));

  it('continues the seq and the open segment after a restart that followed a finished turn', () =>
    withSessionSql((sql) => {
      const before = new ReplayLog(sql);
      before.append('t1', [...tokens('a', 'b'), { type: 'finish', reason: 'stop' }]);
      const after = new ReplayLog(sql);
      expect(after.lastSeq()).toBe(3);
      expect(seqs(after.append('t1', tokens('d')))).toEqual([4]);
      expect(rowCount(sql)).toBe(1);
      expect(after.append('t2', tokens('e'))[0]?.seq).toBe(5);
      expect(after.after(2).events.map((e) => e.event)).toEqual([
        { type: 'finish', reason: 'stop' },
        ...tokens('d', 'e'),
      ]);
    }));

  it('holds events back until flushEvents, flushAfterMs or the end of the turn, and reads include them', () =>
    withSessionSql((sql) => {
      let now = 0;
      const log = new ReplayLog(sql, { flushEvents: 8, flushAfterMs: 100, now: () => now });
      const stored = () => new ReplayLog(sql).after(0).events.length;
      log.append('t1', [{ type: 'turn-start', turnId: 't1', content: 'q' }]);
      expect(stored()).toBe(1); // the first seq of the session had to be reserved, and was written with it
      for (let i = 0; i < 7; i++) log.append('t1', tokens(`${i}`));
      expect(stored()).toBe(1);
      log.append('t1', tokens('7'));
      expect(stored()).toBe(9); // the eighth pending event
      log.append('t1', tokens('8'));
      now += 99;
      log.append('t1', tokens('9'));
      expect(stored()).toBe(9);
      now += 1;
      log.append('t1', tokens('10'));
      expect(stored()).toBe(12); // the oldest pending event waited flushAfterMs
      log.append('t1', tokens('11'));
      expect(log.after(12).events.map((e) => e.event)).toEqual(tokens('11'));
      expect(stored()).toBe(13); // a read writes what it returns
      log.append('t1', [...tokens('12'), { type: 'finish', reason: 'stop' }]);
      expect(stored()).toBe(15);
      expect(new ReplayLog(sql).lastSeq()).toBe(15);
    }));

  it('after a crash mid-turn, resumes past every seq a viewer may have seen', () =>
    withSessionSql((sql) => {
      const now = () => 0;
      const crashed = new ReplayLog(sql, { flushEvents: 8, now });
      const appended = [
        { type: 'turn-start', turnId: 't1', content: 'q' } as SessionEvent,
        ...tokens(...'abcdefghijklmnopqrst'),
      ];
      const seen = appended.flatMap((event) => crashed.append('t1', [event]));
      const restarted = new ReplayLog(sql, { flushEvents: 8, now });
      const kept = restarted.after(0).events;
      // What survived is a prefix of what viewers saw, losing fewer than flushEvents events.
      expect(kept).toEqual(seen.slice(0, kept.length));
      expect(kept.length).toBeGreaterThan(seen.length - 8);
      const next = restarted.append('t1', [{ type: 'error', code: 'generation_lost', message: 'lost' }]);
      expect(next[0]?.seq).toBeGreaterThan(seen.at(-1)?.seq ?? 0);
      expect(new ReplayLog(sql).lastSeq()).toBe(next[0]?.seq);
    }));

  it('prune() keeps the last retainTurns turns; after() says when the start is gone', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql, { segmentMaxBytes: 100, retainTurns: 3 });
      const lengths = ['t1', 't2', 't3', 't4', 't5'].map((turnId) => appendTurn(log, turnId, 10).length);
      const lastSeq = log.lastSeq();
      log.prune();
      expect(log.turnEvents('t1')).toEqual([]);
      expect(log.turnEvents('t2')).toEqual([]);
      expect(log.turnEvents('t3')).toHaveLength(lengths[2] ?? 0);
      const firstKept = (lengths[0] ?? 0) + (lengths[1] ?? 0) + 1;
      const fromStart = log.after(0);
      expect(fromStart.truncated).toBe(true);
      expect(seqs(fromStart.events)).toEqual(range(firstKept, lastSeq));
      expect(log.after(firstKept - 2).truncated).toBe(true);
      expect(log.after(firstKept - 1)).toEqual({ events: fromStart.events, truncated: false });
      expect(log.after(lastSeq)).toEqual({ events: [], truncated: false });
      expect(log.append('t6', [...tokens('x'), { type: 'finish', reason: 'stop' }])[0]?.seq).toBe(lastSeq + 1);
      expect(new ReplayLog(sql).lastSeq()).toBe(lastSeq + 2);
    }));

  it('prune() keeps the turn with the newest event, so the seq never goes back', () =>
    withSessionSql((sql) => {
      const log = new ReplayLog(sql, { retainTurns: 1 });
      log.append('old', tokens('a'));
      log.append('new', tokens('b'));
      log.append('old', [{ type: 'finish', reason: 'interrupted' }]);
      log.prune();
      expect(log.turnEvents('new')).toEqual([]);
      expect(seqs(log.turnEvents('old'))).toEqual([1, 3]);
      expect(new ReplayLog(sql).append('next', tokens('c'))[0]?.seq).toBe(4);
    }));

  it('refuses options that would break the row limit or keep nothing', () =>
    withSessionSql((sql) => {
      expect(() => new ReplayLog(sql, { segmentMaxBytes: 3 * 1024 * 1024 })).toThrow(RangeError);
      expect(() => new ReplayLog(sql, { retainTurns: 0 })).toThrow(RangeError);
    }));
});
