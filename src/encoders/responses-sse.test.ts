import { describe, expect, it } from 'vitest';
import anthropicTools from '../../test/fixtures/anthropic-tools.sse?raw';
import openaiText from '../../test/fixtures/openai-text.sse?raw';
import openaiTools from '../../test/fixtures/openai-tools.sse?raw';
import { decodeInPieces, splits } from '../../test/support/split';
import { typedFrames } from '../../test/support/sse-frames';
import { GatewayError } from '../errors/gateway-error';
import { createAnthropicDecoder } from '../providers/anthropic-decoder';
import { createOpenAIChunkDecoder } from '../providers/openai-chunk-decoder';
import type { EventDecoder } from '../providers/provider';
import type { StreamEvent } from '../stream/events';
import { createResponsesCollector, type ResponseObject, responseShell } from './responses-object';
import { createResponsesSseEncoder } from './responses-sse';

const shell = responseShell({ model: 'local/m', input: 'Hi' }, 'resp_1', 1);

/** Every frame's data, checking the framing (`event:` names the data's type) and the sequence. */
function frames(text: string) {
  const data = typedFrames(text);
  expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
  return data;
}

function encodeAll(events: StreamEvent[], failure?: GatewayError) {
  let final: ResponseObject | undefined;
  const encoder = createResponsesSseEncoder(shell, '1', (response) => {
    final = response;
  });
  const text =
    events.map((event) => encoder.event(event)).join('') + (failure ? encoder.error(failure) : encoder.end());
  // The completion time is the clock's; everything else must match byte for byte.
  return { frames: frames(text), text: text.replace(/"completed_at":\d+/, '"completed_at":0'), final };
}

function collectAll(events: StreamEvent[]) {
  const collector = createResponsesCollector(shell, '1', () => {});
  for (const event of events) collector.event(event);
  return collector.result() as ResponseObject;
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Responses events from every provider dialect, whatever the chunking', () => {
  it.each([
    ['an OpenAI text stream', openaiText, createOpenAIChunkDecoder],
    ['an OpenAI tool-call stream', openaiTools, createOpenAIChunkDecoder],
    ['an Anthropic tool-use stream', anthropicTools, createAnthropicDecoder],
  ] as [string, string, () => EventDecoder][])('%s: the same events at every split', (_, fixture, decoder) => {
    const whole = encodeAll(decodeInPieces(decoder, [bytes(fixture)]));
    for (const pieces of splits(bytes(fixture))) {
      expect(encodeAll(decodeInPieces(decoder, pieces)).text).toBe(whole.text);
    }
    expect(whole.final?.status).toBe('completed');
    // The streamed final object and the non-streaming one agree.
    const collected = collectAll(decodeInPieces(decoder, [bytes(fixture)]));
    expect(collected.output).toEqual(whole.final?.output);
    expect(collected.usage).toEqual(whole.final?.usage);
  });
});

describe('createResponsesSseEncoder', () => {
  it('opens a message for text, a reasoning item for thinking, and closes each when the other starts', () => {
    const { frames: out, final } = encodeAll([
      { type: 'start' },
      { type: 'reasoning', text: 'Think' },
      { type: 'text', text: 'Hé' },
      { type: 'text', text: '' },
      { type: 'text', text: 'llo' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 2 } },
    ]);
    expect(out.map((f) => f.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(out[4]).toMatchObject({ output_index: 0, content_index: 0, delta: 'Think' });
    expect(out[12]).toMatchObject({ output_index: 1, content_index: 0, text: 'Héllo', logprobs: [] });
    expect(final?.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(final?.usage).toEqual({ input_tokens: 5, output_tokens: 2, total_tokens: 7 });
  });

  it('reports cached and reasoning counts when the provider gave them', () => {
    const usage = { inputTokens: 9, outputTokens: 4, cachedInputTokens: 6, reasoningTokens: 3 };
    const { final } = encodeAll([
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage },
    ]);
    expect(final?.usage).toEqual({
      input_tokens: 9,
      input_tokens_details: { cached_tokens: 6 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 13,
    });
  });

  it('keeps parallel calls open to the end, so a late delta reaches its own item', () => {
    const { frames: out, final } = encodeAll([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool-call-delta', index: 0, arguments: '{"x":1}' },
      { type: 'tool-call-delta', index: 1, arguments: '{}' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const done = out.filter((f) => f.type === 'response.function_call_arguments.done');
    expect(done.map((f) => [f.output_index, f.name, f.arguments])).toEqual([
      [0, 'a', '{"x":1}'],
      [1, 'b', '{}'],
    ]);
    expect(final?.status).toBe('completed');
    expect(final?.usage).toBeNull();
  });

  it('renders a refusal event, when the provider reports one, as a refusal part', () => {
    const refusal: StreamEvent = { type: 'refusal', text: 'I cannot.' };
    const { frames: out, final } = encodeAll([refusal, { type: 'finish', reason: 'stop' }]);
    expect(out.map((f) => f.type)).toContain('response.refusal.delta');
    expect(out.find((f) => f.type === 'response.refusal.done')).toMatchObject({ refusal: 'I cannot.' });
    expect(final?.output[0]).toMatchObject({ type: 'message', content: [{ type: 'refusal', refusal: 'I cannot.' }] });
  });

  it.each([
    ['length', 'max_output_tokens'],
    ['content_filter', 'content_filter'],
  ] as const)('ends a %s finish as incomplete (%s)', (reason, why) => {
    const { frames: out } = encodeAll([
      { type: 'text', text: 'a' },
      { type: 'finish', reason },
    ]);
    expect(out.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: why } },
    });
    expect(out.find((f) => f.type === 'response.output_item.done')?.item.status).toBe('incomplete');
  });

  it('ends without a finish (the stream was cut) as incomplete items and a failed response', () => {
    const failure = new GatewayError(502, 'upstream_error', 'The provider stopped.', { code: 'upstream_truncated' });
    const { frames: out } = encodeAll([{ type: 'text', text: 'a' }], failure);
    expect(out.slice(-2)).toMatchObject([
      { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error' } } },
      { type: 'error', code: 'upstream_truncated', message: 'The provider stopped.', param: null },
    ]);
  });

  it('fails a response the structured stage stopped for breaking its schema', () => {
    const { final } = encodeAll([
      { type: 'text', text: '{"a":' },
      { type: 'structured-result', valid: false, errors: ['bad'], stoppedEarly: true },
      { type: 'finish', reason: 'stop' },
    ]);
    expect(final?.status).toBe('failed');
  });

  it('still opens with response.created when the stream ends before any event', () => {
    expect(encodeAll([]).frames.map((f) => f.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.completed',
    ]);
  });
});
