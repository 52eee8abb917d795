import { describe, expect, it } from 'vitest';
import { expectedRepeat, sentPrefix, withAssistantPrefix } from './continuation';
import { simTokens, tokensAfter } from './sim';

describe('continuation requests', () => {
  it('appends the prefix as an assistant message, or to the assistant message the client ended with', () => {
    const user = { role: 'user', content: 'Hi' };
    expect(withAssistantPrefix([user], 'Hello', { prefix: true })).toEqual([
      user,
      { role: 'assistant', content: 'Hello', prefix: true },
    ]);
    expect(withAssistantPrefix([user, { role: 'assistant', content: 'Sure: ' }], 'one')).toEqual([
      user,
      { role: 'assistant', content: 'Sure: one' },
    ]);
    const blocks = [{ type: 'text', text: 'Sure: ' }];
    expect(withAssistantPrefix([user, { role: 'assistant', content: blocks }], 'one').at(-1)).toEqual({
      role: 'assistant',
      content: [...blocks, { type: 'text', text: 'one' }],
    });
  });

  it('knows what each kind of provider sends and repeats', () => {
    const anthropic = { via: 'trailing-assistant', trimsTrailingWhitespace: true } as const;
    expect(sentPrefix(anthropic, 'It is \n ')).toBe('It is');
    expect(expectedRepeat(anthropic, 'It is \n ')).toBe(' \n ');
    expect(expectedRepeat({ via: 'prefix-flag', echoesPrefix: true }, 'It is ')).toBe('It is ');
    expect(expectedRepeat({ via: 'continue-final-message' }, 'It is ')).toBe('');
  });

  it('the simulator goes on from any length of its reply, mid-token included', () => {
    const tokens = simTokens({ model: 'sim/default', messages: [{ role: 'user', content: 'Hi' }] });
    const reply = tokens.join('');
    for (let chars = 0; chars <= reply.length; chars++) {
      expect(reply.slice(0, chars) + tokensAfter(tokens, chars).join('')).toBe(reply);
    }
  });
});
