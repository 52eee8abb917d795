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
      droppedMessages: 0,
      estimatedTokens: 2 + 2 + 1 + 1 + 4 * MESSAGE_OVERHEAD_TOKENS,
    });
    expect(estimateTokens('')).toBe(0);
  });

  it('drops the oldest turns whole, so the kept context starts with a user message', () => {
    const messages = [user('q1'), assistant('a1'), user('q2'), assistant('a2'), user('q3')];
    const result = fitContext({ messages, budgetTokens: 4 * perMessage, estimateTokens: flat });
    expect(result).toEqual({ messages: messages.slice(2), droppedMessages: 2, estimatedTokens: 3 * perMessage });
  });

  it('always keeps the system prompt and the newest turn, even over budget', () => {
    const messages = [user('q1'), assistant('a1'), user('q2')];
    const result = fitContext({ system: 'sys', messages, budgetTokens: 1, estimateTokens: flat });
    expect(result).toEqual({ messages: [user('q2')], droppedMessages: 2, estimatedTokens: 2 * perMessage });
  });

  it('keeps the newest reply with its question, never an assistant message first', () => {
    const messages = [user('q1'), assistant('a1'), user('q2'), assistant('a2')];
    const result = fitContext({ messages, budgetTokens: 1, estimateTokens: flat });
    expect(result.messages).toEqual([user('q2'), assistant('a2')]);
  });

  it('treats leading replies and unanswered questions as turns of their own', () => {
    const messages = [assistant('a0'), user('q1'), user('q2'), assistant('a2'), user('q3')];
    const keptWithin = (count: number) =>
      fitContext({ messages, budgetTokens: count * perMessage, estimateTokens: flat });
    expect(keptWithin(4).messages).toEqual(messages.slice(1));
    expect(keptWithin(3).messages).toEqual(messages.slice(2));
    expect(keptWithin(2).messages).toEqual(messages.slice(4));
  });

  it('handles an empty conversation', () => {
    expect(fitContext({ messages: [], budgetTokens: 0 })).toEqual({
      messages: [],
      droppedMessages: 0,
      estimatedTokens: 0,
    });
  });
});
