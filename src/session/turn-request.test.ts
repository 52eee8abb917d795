import { describe, expect, it } from 'vitest';
import { withSessionSql } from '../../test/support/session-sql';
import { ContextStart } from './context-start';
import { History } from './history';
import type { SessionSettings } from './session-settings';
import { turnRequest } from './turn-request';

const settings = (extra: Partial<SessionSettings> = {}): SessionSettings => ({
  id: 'sess_x',
  owner: 'local',
  created_at: 0,
  model: 'sim/fast',
  context_budget: 8192,
  context_trim_to: 0.5,
  on_busy: 'redirect',
  warmup: false,
  ...extra,
});

describe('turnRequest', () => {
  it('sends the system prompt, the stored history and the new message, marked for prefix caching', () =>
    withSessionSql((sql) => {
      const history = new History(sql);
      history.append({ turnId: 't1', role: 'user', content: 'Hi', status: 'complete' });
      history.append({ turnId: 't1', role: 'assistant', content: 'Hello', status: 'complete' });
      // An interrupted reply that got nothing out is not context.
      history.append({ turnId: 't2', role: 'assistant', content: '', status: 'interrupted' });
      const next = turnRequest(
        'Again',
        settings({ system: 'Be brief.', max_tokens: 9 }),
        history,
        new ContextStart(sql),
      );
      expect(next.request).toEqual({
        model: 'sim/fast',
        stream: true,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello' },
          { role: 'user', content: 'Again' },
        ],
        max_tokens: 9,
        infe: { cache_prefix: true },
      });
      expect(next.guard).toBeUndefined();
      expect(next.estimatedTokens).toBeGreaterThan(0);
      expect(next.firstKeptId(99)).toBe(history.list()[0]?.id);
    }));

  it('stores nothing, and parses the session guard policy', () =>
    withSessionSql((sql) => {
      const history = new History(sql);
      const guard = { rules: [{ id: 'p', kind: 'phrase', phrases: ['x'], action: 'redact' }] };
      const next = turnRequest('Hi', settings({ guard }), history, new ContextStart(sql));
      expect(history.list()).toEqual([]);
      expect(next.guard?.rules[0]).toMatchObject({ id: 'p', kind: 'phrase', action: 'redact' });
      // With no history the new message is the context's first.
      expect(next.firstKeptId(7)).toBe(7);
    }));
});
