import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import type { ResponseMeta } from './encoder';
import { openAIUsage } from './openai-sse';

interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Assembles the events of a non-streaming request into one `chat.completion` object. */
export function createCompletionAccumulator(meta: ResponseMeta) {
  let content = '';
  let reasoning = '';
  let finish: FinishReason = 'stop';
  let usage: Usage | undefined;
  const toolCalls: ToolCall[] = [];

  return {
    event(event: StreamEvent): void {
      switch (event.type) {
        case 'text':
          content += event.text;
          break;
        case 'reasoning':
          reasoning += event.text;
          break;
        case 'tool-call-start':
          toolCalls[event.index] = { id: event.id, type: 'function', function: { name: event.name, arguments: '' } };
          break;
        case 'tool-call-delta': {
          const call = toolCalls[event.index];
          if (call) call.function.arguments += event.arguments;
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
      const calls = toolCalls.filter(Boolean);
      return {
        id: meta.id,
        object: 'chat.completion',
        created: meta.created,
        model: meta.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: calls.length > 0 && content === '' ? null : content,
              refusal: null,
              ...(reasoning && { reasoning_content: reasoning }),
              ...(calls.length > 0 && { tool_calls: calls }),
            },
            logprobs: null,
            finish_reason: finish,
          },
        ],
        ...(usage && { usage: openAIUsage(usage) }),
      };
    },
  };
}
