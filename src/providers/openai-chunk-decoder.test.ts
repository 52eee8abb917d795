import { describe, expect, it } from 'vitest';
import openaiFidelity from '../../test/fixtures/openai-fidelity.sse?raw';
import openaiText from '../../test/fixtures/openai-text.sse?raw';
import openaiTools from '../../test/fixtures/openai-tools.sse?raw';
import workersAIText from '../../test/fixtures/workers-ai-text.sse?raw';
import { decodeInPieces, itDecodesAlikeHoweverSplit } from '../../test/support/split';
import { texts, toolCall } from '../../test/support/stream-events';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';

const bytes = (text: string) => new TextEncoder().encode(text);
const all = (text: string) => decodeInPieces(createOpenAIChunkDecoder, [bytes(text)]);
/** The typed events alone: extras and the provider's own usage object have tests of their own. */
const decode = (text: string) =>
  all(text)
    .filter((event) => event.type !== 'upstream-extra')
    .map((event) => {
      if (event.type !== 'usage') return event;
      const { native: _native, ...usage } = event.usage;
      return { ...event, usage };
    });

describe('createOpenAIChunkDecoder', () => {
  it('decodes a text stream with usage into typed events', () => {
    expect(decode(openaiText)).toEqual([
      { type: 'start' },
      ...texts('Grüße', ' aus 東京 ', '🚀!'),
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 4 } },
    ]);
  });

  it('decodes parallel tool calls sent with CRLF line endings', () => {
    expect(decode(openaiTools)).toEqual([
      { type: 'start' },
      ...toolCall(0, 'call_abc', 'get_weather', '{"ci', 'ty":"Zürich"}'),
      ...toolCall(1, 'call_def', 'get_time', '{}'),
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it("reads Workers AI's native chunks and takes [DONE] as their finish", () => {
    expect(decode(workersAIText)).toEqual([
      { type: 'start' },
      ...texts('Hi', ' there', ' ☕'),
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 3 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  itDecodesAlikeHoweverSplit(createOpenAIChunkDecoder, {
    'openai-text': openaiText,
    'openai-tools': openaiTools,
    'workers-ai-text': workersAIText,
    'openai-fidelity': openaiFidelity,
  });

  it('types refusals, choice indices, stop reasons and usage details; keeps the rest as extras', () => {
    const events = all(openaiFidelity);
    expect(events.filter((event) => event.type === 'refusal')).toEqual([
      { type: 'refusal', text: "I can't help with that.", choice: 1 },
    ]);
    expect(events.filter((event) => event.type === 'finish')).toEqual([
      { type: 'finish', reason: 'stop' },
      { type: 'finish', reason: 'content_filter', choice: 1 },
    ]);
    const usage = events.find((event) => event.type === 'usage');
    expect(usage).toMatchObject({
      usage: { inputTokens: 20, outputTokens: 9, cachedInputTokens: 12, reasoningTokens: 4, cost: 0.00012 },
    });
    expect(usage?.type === 'usage' && usage.usage.native?.dialect).toBe('openai');
    const extras = events.filter((event) => event.type === 'upstream-extra');
    // The role chunk: the stream constants and Groq's x_groq, with nothing typed to merge into.
    expect(extras[0]).toEqual({
      type: 'upstream-extra',
      dialect: 'openai',
      constants: { service_tier: 'default', system_fingerprint: 'fp_f1' },
      fields: { x_groq: { id: 'req_01fake' } },
      alone: true,
    });
    // Constants are not repeated while they do not change; a plain chunk's residue is nothing.
    expect(extras.filter((extra) => 'constants' in extra)).toHaveLength(1);
    expect(extras.map((extra) => (extra.dialect === 'openai' ? extra.choices?.[0] : undefined))).toContainEqual({
      index: 0,
      delta: {
        annotations: [
          {
            type: 'url_citation',
            url_citation: { url: 'https://example.com/a', title: 'A', start_index: 0, end_index: 5 },
          },
        ],
      },
    });
  });

  it('reports only the usage counts the provider sent (an absent count is not 0)', () => {
    const [usage] = decode('data: {"choices":[],"usage":{"prompt_tokens":3}}\n\n').filter((e) => e.type === 'usage');
    expect(usage).toEqual({ type: 'usage', usage: { inputTokens: 3 } });
  });

  it('turns an error chunk into an error event', () => {
    const events = decode('data: {"error":{"message":"secret detail","type":"server_error","code":"overloaded"}}\n\n');
    expect(events).toEqual([
      { type: 'error', error: { code: 'upstream_overloaded', message: 'The provider reported an error.' } },
    ]);
  });

  it('turns a malformed chunk into an error event instead of throwing', () => {
    expect(decode('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: {not json\n\n').at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'upstream_malformed_event' },
    });
  });

  it('emits no finish for a stream cut before [DONE]', () => {
    const cut = openaiText.slice(0, openaiText.indexOf('"finish_reason":"stop"') - 40);
    expect(decode(cut).some((e) => e.type === 'finish')).toBe(false);
  });
});
