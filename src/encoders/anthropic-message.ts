import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { anthropicMessageId, STOP_REASONS } from './anthropic-sse';
import type { Collector, ResponseMeta } from './encoder';

type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/**
 * Arguments that are not JSON reach the client as the string the model wrote: a guessed `{}`
 * would hide the failure, and SDKs type `input` as unknown.
 */
function parseInput(json: string): unknown {
  try {
    return JSON.parse(json || '{}');
  } catch {
    return json;
  }
}

/**
 * Assembles a non-streaming request's events into one Messages API `message`, with blocks in
 * the order the streaming encoder would have opened them.
 */
export function createAnthropicMessageCollector(meta: ResponseMeta): Collector {
  const content: Block[] = [];
  /** Tool call index → its block and the arguments so far. */
  const tools: { block: Block & { type: 'tool_use' }; json: string }[] = [];
  let finish: FinishReason = 'stop';
  let usage: Usage | undefined;

  return {
    event(event: StreamEvent): void {
      const last = content.at(-1);
      switch (event.type) {
        case 'text':
          if (last?.type === 'text') last.text += event.text;
          else if (event.text) content.push({ type: 'text', text: event.text });
          break;
        case 'reasoning':
          if (last?.type === 'thinking') last.thinking += event.text;
          else if (event.text) content.push({ type: 'thinking', thinking: event.text, signature: '' });
          break;
        case 'tool-call-start': {
          const block = { type: 'tool_use' as const, id: event.id, name: event.name, input: {} };
          tools[event.index] = { block, json: '' };
          content.push(block);
          break;
        }
        case 'tool-call-delta': {
          const tool = tools[event.index];
          if (tool) tool.json += event.arguments;
          break;
        }
        case 'finish':
          finish = event.reason;
          break;
        case 'usage':
          usage = event.usage;
          break;
      }
    },
    result() {
      for (const tool of tools) if (tool) tool.block.input = parseInput(tool.json);
      return {
        id: anthropicMessageId(meta),
        type: 'message',
        role: 'assistant',
        model: meta.model,
        content,
        stop_reason: STOP_REASONS[finish],
        stop_sequence: null,
        usage: { input_tokens: usage?.inputTokens ?? 0, output_tokens: usage?.outputTokens ?? 0 },
      };
    },
  };
}
