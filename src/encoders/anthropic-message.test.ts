import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../stream/events';
import { createAnthropicMessageCollector } from './anthropic-message';

const meta = { id: 'chatcmpl-req1', model: 'anthropic/claude', created: 1 };

function collect(events: StreamEvent[]) {
  const collector = createAnthropicMessageCollector(meta);
  // The collector is handed around as a bare function, as serveChat does.
  const { event } = collector;
  for (const e of events) event(e);
  return collector.result() as Record<string, any>;
}

describe('createAnthropicMessageCollector', () => {
  it('renders a text reply as a Messages API message', () => {
    expect(
      collect([
        { type: 'start' },
        { type: 'text', text: 'Hel' },
        { type: 'text', text: 'lo' },
        { type: 'usage', usage: { inputTokens: 5, outputTokens: 2 } },
        { type: 'finish', reason: 'length' },
      ]),
    ).toEqual({
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'anthropic/claude',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 2 },
    });
  });

  it('keeps thinking, text and tool calls as blocks in the order they came, with parsed input', () => {
    const message = collect([
      { type: 'reasoning', text: 'think' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_time' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
      { type: 'tool-call-delta', index: 0, arguments: '"Paris"}' },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'think', signature: '' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} },
    ]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('hands over tool arguments that are not JSON as the string the model wrote', () => {
    const message = collect([
      { type: 'tool-call-start', index: 0, id: 'a', name: 'f' },
      { type: 'tool-call-delta', index: 0, arguments: '{"cut' },
    ]);
    expect(message.content[0].input).toBe('{"cut');
  });

  it('reports zero usage and end_turn when the provider sent neither', () => {
    expect(collect([{ type: 'text', text: 'x' }])).toMatchObject({
      stop_reason: 'end_turn',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });
});
