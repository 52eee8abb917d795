import { describe, expect, it } from 'vitest';
import { typedFrames } from '../../test/support/sse-frames';
import { toolCall } from '../../test/support/stream-events';
import { GatewayError } from '../errors/gateway-error';
import type { StreamEvent } from '../stream/events';
import { createAnthropicSseEncoder } from './anthropic-sse';

const meta = { id: 'chatcmpl-req1', model: 'local/llama', created: 1 };

/** One content block's frames: its start, one frame per delta, its stop. */
const block = (index: number, content_block: object, ...deltas: object[]) => [
  { type: 'content_block_start', index, content_block },
  ...deltas.map((delta) => ({ type: 'content_block_delta', index, delta })),
  { type: 'content_block_stop', index },
];

const encodeAll = (events: StreamEvent[]) => {
  const encoder = createAnthropicSseEncoder(meta);
  return typedFrames(events.map((event) => encoder.event(event)).join('') + encoder.end());
};

describe('createAnthropicSseEncoder', () => {
  it('streams a text reply as message_start, one text block, message_delta and message_stop', () => {
    expect(
      encodeAll([
        { type: 'start', id: 'upstream-id' },
        { type: 'text', text: 'Hi' },
        { type: 'text', text: ' there' },
        { type: 'finish', reason: 'stop' },
        { type: 'usage', usage: { inputTokens: 7, outputTokens: 2 } },
      ]),
    ).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'msg_req1',
          type: 'message',
          role: 'assistant',
          model: 'local/llama',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: 7, output_tokens: 2 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('numbers blocks in order as thinking, text and tool calls interleave', () => {
    const out = encodeAll([
      { type: 'reasoning', text: 'hmm' },
      { type: 'text', text: 'Let me check.' },
      ...toolCall(0, 'call_a', 'get_weather', '{"city":', '"Paris"}'),
      ...toolCall(1, 'call_b', 'get_time', '{}'),
      { type: 'text', text: 'Done.' },
      { type: 'finish', reason: 'tool_calls' },
    ]).slice(2);
    const json = (partial_json: string) => ({ type: 'input_json_delta', partial_json });
    const text = (delta: string) => ({ type: 'text_delta', text: delta });
    expect(out).toEqual([
      ...block(0, { type: 'thinking', thinking: '', signature: '' }, { type: 'thinking_delta', thinking: 'hmm' }),
      ...block(1, { type: 'text', text: '' }, text('Let me check.')),
      ...block(
        2,
        { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} },
        json('{"city":'),
        json('"Paris"}'),
      ),
      ...block(3, { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} }, json('{}')),
      ...block(4, { type: 'text', text: '' }, text('Done.')),
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 0 } },
      { type: 'message_stop' },
    ]);
  });

  it('sends a late delta to its own tool block', () => {
    const out = encodeAll([
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'g' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
    ]);
    expect(out.find((f) => f.type === 'content_block_delta')).toMatchObject({ index: 0 });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ] as const)('maps finish reason %s to stop_reason %s', (reason, stopReason) => {
    const out = encodeAll([{ type: 'finish', reason }]);
    expect(out.find((f) => f.type === 'message_delta').delta.stop_reason).toBe(stopReason);
  });

  it('skips empty deltas, provider starts and annotations without opening blocks', () => {
    const out = encodeAll([
      { type: 'start' },
      { type: 'text', text: '' },
      { type: 'guard', action: 'flag', rule: 'pii' },
      { type: 'metrics', ttftMs: 1, tokensPerSecond: 2, outputTokens: 3 },
    ]);
    expect(out.map((f) => f.type)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  it('escapes text so every frame stays one data line of valid JSON', () => {
    const text = 'line\n\nevent: error\r\n"quoted" \\ \u2028';
    expect(encodeAll([{ type: 'text', text }])[3].delta.text).toBe(text);
  });

  it('ends a stream that never produced an event as a complete message', () => {
    expect(encodeAll([]).map((f) => f.type)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
  });

  it('writes a mid-stream failure as an error event in Anthropic error shape', () => {
    const encoder = createAnthropicSseEncoder(meta);
    encoder.event({ type: 'text', text: 'partial' });
    const error = new GatewayError(504, 'timeout_error', 'stalled', { code: 'stream_idle_timeout' });
    expect(encoder.error(error)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"stalled","details":{"error_code":"stream_idle_timeout"}}}\n\n',
    );
  });

  it('probes a silent provider with a ping, which SDKs skip', () => {
    expect(createAnthropicSseEncoder(meta).probe()).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });

  it('from another dialect: a refusal is text with a refusal stop; usage splits cached input out', () => {
    const out = encodeAll([
      { type: 'start' },
      { type: 'refusal', text: 'No.' },
      { type: 'finish', reason: 'stop' },
      {
        type: 'usage',
        usage: {
          inputTokens: 20,
          outputTokens: 3,
          cachedInputTokens: 12,
          native: { dialect: 'openai', value: { prompt_tokens: 20, completion_tokens: 3 } },
        },
      },
    ]);
    expect(out.find((frame) => frame.type === 'content_block_delta')?.delta).toEqual({
      type: 'text_delta',
      text: 'No.',
    });
    expect(out.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'refusal', stop_sequence: null },
      usage: { input_tokens: 8, output_tokens: 3, cache_read_input_tokens: 12 },
    });
  });

  it('names the stop sequence that ended the reply', () => {
    const out = encodeAll([
      { type: 'text', text: 'a' },
      { type: 'finish', reason: 'stop', stopSequence: '###' },
    ]);
    expect(out.at(-2).delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: '###' });
  });

  it("puts a signature in this stream's thinking block and renumbers relayed blocks", () => {
    const extra = (event: Record<string, unknown> & { type: string }): StreamEvent => ({
      type: 'upstream-extra',
      dialect: 'anthropic',
      event,
    });
    const out = encodeAll([
      { type: 'text', text: 'x' },
      // The upstream's block indices (5, 9) are not this stream's: each lands in its own numbering.
      { type: 'reasoning', text: 'hm' },
      extra({ type: 'content_block_delta', index: 5, delta: { type: 'signature_delta', signature: 'sig' } }),
      extra({ type: 'content_block_start', index: 9, content_block: { type: 'redacted_thinking', data: 'd' } }),
      extra({ type: 'content_block_stop', index: 9 }),
      { type: 'finish', reason: 'stop' },
    ]);
    expect(out.filter((frame) => frame.type.startsWith('content_block')).map((f) => [f.type, f.index])).toEqual([
      ['content_block_start', 0],
      ['content_block_delta', 0],
      ['content_block_stop', 0],
      ['content_block_start', 1],
      ['content_block_delta', 1],
      ['content_block_delta', 1],
      ['content_block_stop', 1],
      ['content_block_start', 2],
      ['content_block_stop', 2],
    ]);
    expect(out.find((frame) => frame.delta?.type === 'signature_delta')?.delta.signature).toBe('sig');
  });

  it("an Anthropic upstream's own stop reason (pause_turn) and message_delta fields come back", () => {
    const out = encodeAll([
      { type: 'text', text: 'a' },
      {
        type: 'upstream-extra',
        dialect: 'anthropic',
        event: { type: 'message_delta', delta: { stop_reason: 'pause_turn', container: { id: 'c1' } } },
      },
      { type: 'finish', reason: 'stop' },
    ]);
    expect(out.at(-2).delta).toEqual({ stop_reason: 'pause_turn', stop_sequence: null, container: { id: 'c1' } });
  });
});
