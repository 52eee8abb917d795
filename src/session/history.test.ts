import { describe, expect, it } from 'vitest';
import { withSessionSql } from '../../test/support/session-sql';
import { History, MESSAGE_MAX_BYTES, MessageTooLargeError } from './history';

describe('History', () => {
  it('lists messages oldest first, as stored, across a restart', () =>
    withSessionSql((sql) => {
      const history = new History(sql);
      const question = history.append({ turnId: 't1', role: 'user', content: 'Hi 👋', status: 'complete' });
      history.append({ turnId: 't1', role: 'assistant', content: 'Hello', status: 'interrupted' });
      history.append({ turnId: 't2', role: 'user', content: 'Again', status: 'complete' });
      expect(question).toEqual({
        id: expect.any(Number),
        turnId: 't1',
        role: 'user',
        content: 'Hi 👋',
        status: 'complete',
        createdAt: expect.any(Number),
      });
      const listed = new History(sql).list();
      expect(listed[0]).toEqual(question);
      expect(listed.map((m) => [m.turnId, m.role, m.content, m.status])).toEqual([
        ['t1', 'user', 'Hi 👋', 'complete'],
        ['t1', 'assistant', 'Hello', 'interrupted'],
        ['t2', 'user', 'Again', 'complete'],
      ]);
      expect(listed.map((m) => m.id)).toEqual([...listed.map((m) => m.id)].sort((a, b) => a - b));
    }));

  it('refuses a user message over the limit in UTF-8 bytes, with a 413, and stores nothing', () =>
    withSessionSql((sql) => {
      const history = new History(sql);
      const atLimit = 'é'.repeat(MESSAGE_MAX_BYTES / 2);
      expect(history.append({ turnId: 't1', role: 'user', content: atLimit, status: 'complete' }).content).toBe(
        atLimit,
      );
      const over = () => history.append({ turnId: 't2', role: 'user', content: `${atLimit}x`, status: 'complete' });
      expect(over).toThrow(MessageTooLargeError);
      expect(over).toThrow(expect.objectContaining({ status: 413, code: 'message_too_large' }));
      expect(history.list()).toHaveLength(1);
    }));

  it('keeps an assistant reply over the limit cut at a character boundary', () =>
    withSessionSql((sql) => {
      const history = new History(sql);
      const reply = '€'.repeat(MESSAGE_MAX_BYTES / 3 + 1); // 3 bytes each: one character over
      const stored = history.append({ turnId: 't1', role: 'assistant', content: reply, status: 'complete' });
      expect(stored.content).toBe('€'.repeat(Math.floor(MESSAGE_MAX_BYTES / 3)));
      expect(history.list()[0]?.content).toBe(stored.content);
    }));

  it('clear() forgets the conversation', () =>
    withSessionSql((sql) => {
      const history = new History(sql);
      history.append({ turnId: 't1', role: 'user', content: 'Hi', status: 'complete' });
      history.clear();
      expect(new History(sql).list()).toEqual([]);
    }));
});
