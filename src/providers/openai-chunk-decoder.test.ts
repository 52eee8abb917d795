import { describe, expect, it } from 'vitest';
import openaiText from '../../test/fixtures/openai-text.sse?raw';
import openaiTools from '../../test/fixtures/openai-tools.sse?raw';
import workersAIText from '../../test/fixtures/workers-ai-text.sse?raw';
import { decodeInPieces, splits } from '../../test/support/split';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (text: string) => decodeInPieces(createOpenAIChunkDecoder, [bytes(text)]);

describe('createOpenAIChunkDecoder', () => {
  it('decodes a text stream with usage into typed events', () => {
    expect(decode(openaiText)).toEqual([
      { type: 'start' },
      { type: 'text', text: 'Grüße' },
      { type: 'text', text: ' aus 東京 ' },
      { type: 'text', text: '🚀!' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 4 } },
    ]);
  });

  it('decodes parallel tool calls sent with CRLF line endings', () => {
    expect(decode(openaiTools)).toEqual([
      { type: 'start' },
      { type: 'tool-call-start', index: 0, id: 'call_abc', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"ci' },
      { type: 'tool-call-delta', index: 0, arguments: 'ty":"Zürich"}' },
      { type: 'tool-call-start', index: 1, id: 'call_def', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, arguments: '{}' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it("reads Workers AI's native chunks and takes [DONE] as their finish", () => {
    expect(decode(workersAIText)).toEqual([
      { type: 'start' },
      { type: 'text', text: 'Hi' },
      { type: 'text', text: ' there' },
      { type: 'text', text: ' ☕' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 3 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  for (const [name, fixture] of [
    ['openai-text', openaiText],
    ['openai-tools', openaiTools],
    ['workers-ai-text', workersAIText],
  ] as const) {
    it(`yields the same events for ${name} however the bytes are split`, () => {
      const whole = decode(fixture);
      for (const pieces of splits(bytes(fixture))) {
        expect(decodeInPieces(createOpenAIChunkDecoder, pieces)).toEqual(whole);
      }
    });
  }

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
