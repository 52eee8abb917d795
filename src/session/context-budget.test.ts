import { describe, expect, it } from 'vitest';
import { type ContextMessage, estimateTokens, fitContext, MESSAGE_OVERHEAD_TOKENS } from './context-budget';

const user = (content: string): ContextMessage => ({ role: 'user', content });
const assistant = (content: string): ContextMessage => ({ role: 'assistant', content });
/** Every message costs 10 + overhead, so budgets read as message counts. */
const flat = () => 10;
const perMessage = 10 + MESSAGE_OVERHEAD_TOKENS;

describe('fitContext', () => {
  it('keeps everything that fits, estimating ceil(chars / 4) plus overhead per message', () => {
    const messages = [user('12345'), assistant('1234'), user('1')];
    const result = fitContext({ system: '12345678', messages, budgetTokens: 1000 });
    expect(result).toEqual({
      messages,
      start: 0,
      trimmed: false,
      estimatedTokens: 2 + 2 + 1 + 1 + 4 * MESSAGE_OVERHEAD_TOKENS,
    });
    expect(estimateTokens('')).toBe(0);
  });

  it('drops the oldest turns whole, so the kept context starts with a user message', () => {
    const messages = [user('q1'), assistant('a1'), user('q2'), assistant('a2'), user('q3')];
    const result = fitContext({ messages, budgetTokens: 4 * perMessage, trimTo: 1, estimateTokens: flat });
    expect(result).toEqual({ messages: messages.slice(2), start: 2, trimmed: true, estimatedTokens: 3 * perMessage });
  });

  it('trims down to the low-water mark, not just under the budget', () => {
    const messages = Array.from({ length: 11 }, (_, i) => (i % 2 === 0 ? user(`q${i}`) : assistant(`a${i}`)));
    const result = fitContext({ messages, budgetTokens: 10 * perMessage, trimTo: 0.5, estimateTokens: flat });
    expect(result).toMatchObject({ start: 6, trimmed: true, estimatedTokens: 5 * perMessage });
  });

  it('always keeps the system prompt and the newest turn, even over budget', () => {
    const messages = [user('q1'), assistant('a1'), user('q2')];
    const result = fitContext({ system: 'sys', messages, budgetTokens: 1, estimateTokens: flat });
    expect(result).toEqual({ messages: [user('q2')], start: 2, trimmed: true, estimatedTokens: 2 * perMessage });
  });

  it('keeps the newest reply with its question, never an assistant message first', () => {
    const messages = [user('q1'), assistant('a1'), user('q2'), assistant('a2')];
    const result = fitContext({ messages, budgetTokens: 1, estimateTokens: flat });
    expect(result.messages).toEqual([user('q2'), assistant('a2')]);
  });

  it('treats leading replies and unanswered questions as turns of their own', () => {
    const messages = [assistant('a0'), user('q1'), user('q2'), assistant('a2'), user('q3')];
    const keptWithin = (count: number) =>
      fitContext({ messages, budgetTokens: count * perMessage, trimTo: 1, estimateTokens: flat });
    expect(keptWithin(4).messages).toEqual(messages.slice(1));
    expect(keptWithin(3).messages).toEqual(messages.slice(2));
    expect(keptWithin(2).messages).toEqual(messages.slice(4));
  });

  it('keeps starting where the previous turn started while that fits, even when more would fit', () => {
    const messages = [user('q1'), assistant('a1'), user('q2'), assistant('a2'), user('q3')];
    const result = fitContext({ messages, previousStart: 2, budgetTokens: 100 * perMessage, estimateTokens: flat });
    expect(result).toMatchObject({ messages: messages.slice(2), start: 2, trimmed: false });
  });

  it('keeps the prefix identical across turns, trimming rarely and in large steps', () => {
    const budget = 20 * perMessage;
    const conversation: ContextMessage[] = [];
    let start = 0;
    const trims: number[] = [];
    let previousPrompt: ContextMessage[] = [];
    for (let turn = 0; turn < 60; turn++) {
      conversation.push(user(`q${turn}`));
      const result = fitContext({
        system: 'sys',
        messages: conversation,
        previousStart: start,
        budgetTokens: budget,
        estimateTokens: flat,
      });
      expect(result.estimatedTokens).toBeLessThanOrEqual(budget);
      expect(result.messages.at(-1)).toEqual(user(`q${turn}`));
      if (result.trimmed) trims.push(turn);
      // Between trims, each prompt extends the previous one: the provider's cached prefix matches.
      else expect(result.messages.slice(0, previousPrompt.length)).toEqual(previousPrompt);
      previousPrompt = result.messages;
      start = result.start;
      conversation.push(assistant(`a${turn}`));
    }
    // 2 messages a turn, trimmed to half of 20 messages: about 5 turns between trims, not 1.
    expect(trims.length).toBeGreaterThan(1);
    for (let i = 1; i < trims.length; i++) expect((trims[i] ?? 0) - (trims[i - 1] ?? 0)).toBeGreaterThanOrEqual(4);
  });

  it('handles an empty conversation', () => {
    expect(fitContext({ messages: [], budgetTokens: 0 })).toEqual({
      messages: [],
      start: 0,
      trimmed: false,
      estimatedTokens: 0,
    });
  });
});
