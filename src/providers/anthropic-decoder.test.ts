import { describe, expect, it } from 'vitest';
import anthropicTools from '../../test/fixtures/anthropic-tools.sse?raw';
import { decodeInPieces, splits } from '../../test/support/split';
import { createAnthropicDecoder } from './anthropic-decoder';

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (text: string) => decodeInPieces(createAnthropicDecoder, [bytes(text)]);

describe('createAnthropicDecoder', () => {
  it('maps the Messages stream (text, tool use, stop reason, usage) to events', () => {
    expect(decode(anthropicTools)).toEqual([
      { type: 'start', id: 'msg_01X' },
      { type: 'text', text: 'Héllo' },
      { type: 'text', text: ' 世界 👋' },
      { type: 'tool-call-start', index: 0, id: 'toolu_01', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city": "Pa' },
      { type: 'tool-call-delta', index: 0, arguments: 'ris"}' },
      { type: 'usage', usage: { inputTokens: 25, outputTokens: 42 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('yields the same events however the bytes are split', () => {
    const whole = decode(anthropicTools);
    for (const pieces of splits(bytes(anthropicTools))) {
      expect(decodeInPieces(createAnthropicDecoder, pieces)).toEqual(whole);
    }
  });

  it('maps stop reasons', () => {
    const stop = (reason: string) =>
      decode(
        `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${reason}"},"usage":{"output_tokens":1}}\n\n`,
      ).at(-1);
    expect(stop('end_turn')).toEqual({ type: 'finish', reason: 'stop' });
    expect(stop('max_tokens')).toEqual({ type: 'finish', reason: 'length' });
    expect(stop('refusal')).toEqual({ type: 'finish', reason: 'content_filter' });
  });

  it('turns an error event into an error event, without the provider message', () => {
    expect(
      decode('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'),
    ).toEqual([
      { type: 'error', error: { code: 'upstream_overloaded_error', message: 'The provider reported an error.' } },
    ]);
  });

  it('emits no finish for a stream cut before message_delta', () => {
    const cut = anthropicTools.slice(0, anthropicTools.indexOf('event: message_delta'));
    expect(decode(cut).some((e) => e.type === 'finish')).toBe(false);
  });
});
