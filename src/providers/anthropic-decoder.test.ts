import { describe, expect, it } from 'vitest';
import anthropicFidelity from '../../test/fixtures/anthropic-fidelity.sse?raw';
import anthropicTools from '../../test/fixtures/anthropic-tools.sse?raw';
import { decodeInPieces, itDecodesAlikeHoweverSplit } from '../../test/support/split';
import { createAnthropicDecoder } from './anthropic-decoder';

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (text: string) => decodeInPieces(createAnthropicDecoder, [bytes(text)]);
/** Without the provider's own usage objects, which the fidelity tests cover. */
const typed = (text: string) =>
  decode(text).map((event) => {
    if (event.type === 'usage' || (event.type === 'start' && event.usage)) {
      const { native: _native, ...usage } = event.usage ?? {};
      return { ...event, usage };
    }
    return event;
  });

describe('createAnthropicDecoder', () => {
  it('maps the Messages stream (text, tool use, stop reason, usage) to events', () => {
    expect(typed(anthropicTools)).toEqual([
      { type: 'start', id: 'msg_01X', usage: { inputTokens: 25, outputTokens: 1 } },
      { type: 'text', text: 'Héllo' },
      { type: 'text', text: ' 世界 👋' },
      { type: 'tool-call-start', index: 0, id: 'toolu_01', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city": "Pa' },
      { type: 'tool-call-delta', index: 0, arguments: 'ris"}' },
      { type: 'usage', usage: { inputTokens: 25, outputTokens: 42 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  itDecodesAlikeHoweverSplit(createAnthropicDecoder, {
    'anthropic-tools': anthropicTools,
    'anthropic-fidelity': anthropicFidelity,
  });

  it('types cache usage and stop sequences; relays signatures, citations and server-tool blocks as extras', () => {
    const events = decode(anthropicFidelity);
    const start = events[0];
    expect(start?.type === 'start' && start.usage).toMatchObject({
      inputTokens: 115,
      cachedInputTokens: 100,
      cacheCreationInputTokens: 5,
    });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop', stopSequence: 'END' });
    const extras = events.flatMap((event) =>
      event.type === 'upstream-extra' && event.dialect === 'anthropic' ? [event.event] : [],
    );
    expect(extras.map((event) => [event.type, event.index, (event.delta as { type?: string })?.type])).toEqual([
      ['content_block_delta', 0, 'signature_delta'],
      ['content_block_start', 1, undefined],
      ['content_block_stop', 1, undefined],
      ['content_block_start', 2, undefined],
      ['content_block_delta', 2, 'input_json_delta'],
      ['content_block_delta', 2, 'input_json_delta'],
      ['content_block_delta', 2, 'input_json_delta'],
      ['content_block_stop', 2, undefined],
      ['content_block_start', 3, undefined],
      ['content_block_stop', 3, undefined],
      ['content_block_delta', 4, 'citations_delta'],
    ]);
    // A server tool's input is not a tool call of the client's.
    expect(events.some((event) => event.type === 'tool-call-delta')).toBe(false);
  });

  it('leaves a usage count the provider did not send absent, never 0', () => {
    const [start] = decode('event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{}}}\n\n');
    expect(start?.type === 'start' && start.usage).toEqual({ native: { dialect: 'anthropic', value: {} } });
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

  it('relays a stop reason the finish cannot say (pause_turn) to Anthropic clients', () => {
    const events = decode(
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"pause_turn","stop_sequence":null}}\n\n',
    );
    expect(events).toEqual([
      {
        type: 'upstream-extra',
        dialect: 'anthropic',
        event: { type: 'message_delta', delta: { stop_reason: 'pause_turn' } },
      },
      { type: 'finish', reason: 'stop' },
    ]);
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
