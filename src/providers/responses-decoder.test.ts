import { describe, expect, it } from 'vitest';
import { responseShell } from '../encoders/responses-object';
import { createResponsesSseEncoder } from '../encoders/responses-sse';
import type { StreamEvent } from '../stream/events';
import { createResponsesDecoder } from './responses-decoder';

const sse = (events: Record<string, unknown>[]) =>
  events.map((e, i) => `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`).join('');
const decode = (text: string): StreamEvent[] => {
  const events: StreamEvent[] = [];
  const decoder = createResponsesDecoder();
  decoder.push(new TextEncoder().encode(text), (event) => events.push(event));
  decoder.end((event) => events.push(event));
  return events;
};
const typed = (events: StreamEvent[]) => events.filter((e) => e.type !== 'upstream-extra');

const response = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'resp_u',
  status,
  output: [],
  ...extra,
});
const refusalStream = [
  { type: 'response.created', response: response('in_progress') },
  { type: 'response.output_item.added', output_index: 0, item: { id: 'msg_1', type: 'message', content: [] } },
  {
    type: 'response.content_part.added',
    item_id: 'msg_1',
    output_index: 0,
    content_index: 0,
    part: { type: 'refusal', refusal: '' },
  },
  { type: 'response.refusal.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: "I can't" },
  { type: 'response.refusal.done', item_id: 'msg_1', output_index: 0, content_index: 0, refusal: "I can't" },
];

describe('the Responses decoder', () => {
  it('types a refusal, and the encoder writes it back at the upstream part', () => {
    const events = decode(sse(refusalStream));
    expect(typed(events)).toEqual([
      { type: 'start', id: 'resp_u' },
      { type: 'refusal', text: "I can't" },
    ]);
    const encoder = createResponsesSseEncoder(
      responseShell({ model: 'openai/m', input: 'x' }, 'resp_i', 1),
      'i',
      () => {},
    );
    const out = events.map((e) => encoder.event(e)).join('');
    expect(out).toContain(
      '"type":"response.refusal.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"I can\'t"',
    );
  });

  it('maps how a response ended: incomplete by length or filter, tool calls, failed as an error', () => {
    const end = (event: Record<string, unknown>) =>
      typed(decode(sse([event]))).map((e) => ('reason' in e ? e.reason : e.type));
    expect(
      end({
        type: 'response.incomplete',
        response: response('incomplete', { incomplete_details: { reason: 'max_output_tokens' } }),
      }),
    ).toEqual(['length']);
    expect(
      end({
        type: 'response.incomplete',
        response: response('incomplete', { incomplete_details: { reason: 'content_filter' } }),
      }),
    ).toEqual(['content_filter']);
    expect(
      end({ type: 'response.completed', response: response('completed', { output: [{ type: 'function_call' }] }) }),
    ).toEqual(['tool_calls']);
    expect(end({ type: 'response.failed', response: response('failed', { error: { code: 'server_error' } }) })).toEqual(
      ['error'],
    );
    expect(end({ type: 'error', code: 'rate_limit_exceeded', message: 'x' })).toEqual(['error']);
  });

  it('reports usage with every count the upstream gave and none it did not', () => {
    const usage = { input_tokens: 5, output_tokens: 2, total_tokens: 7 };
    const events = typed(decode(sse([{ type: 'response.completed', response: response('completed', { usage }) }])));
    expect(events[0]).toEqual({ type: 'usage', usage: { inputTokens: 5, outputTokens: 2 } });
  });

  it('relays an event type it does not know as an extra, a boundary unless it is a delta', () => {
    const stream = sse([{ type: 'response.audio.delta', delta: 'UklG' }, { type: 'response.audio.done' }]);
    const events = decode(stream);
    const encoder = createResponsesSseEncoder(
      responseShell({ model: 'openai/m', input: 'x' }, 'resp_i', 1),
      'i',
      () => {},
    );
    expect(events.map((e) => encoder.event(e)).join('')).toBe(stream);
    expect(events).toEqual([
      { type: 'upstream-extra', dialect: 'responses', event: { type: 'response.audio.delta', delta: 'UklG' } },
      { type: 'upstream-extra', dialect: 'responses', event: { type: 'response.audio.done' }, boundary: true },
    ]);
  });

  it('a malformed event is an error, never a throw', () => {
    expect(typed(decode('event: response.output_text.delta\ndata: {not json\n\n'))).toEqual([
      { type: 'error', error: { code: 'upstream_malformed_event', message: 'The provider sent a malformed event.' } },
    ]);
  });
});
