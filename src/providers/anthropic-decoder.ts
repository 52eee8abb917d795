import type { Emit, FinishReason } from '../stream/events';
import { createSseDecoder } from '../stream/sse-decoder';
import type { EventDecoder } from './provider';

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

interface AnthropicEventJson {
  type?: string;
  index?: number;
  message?: { id?: string; usage?: { input_tokens?: number; output_tokens?: number } };
  content_block?: { type?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string | null };
  usage?: { input_tokens?: number; output_tokens?: number };
  error?: { type?: string; message?: string };
}

/** Decodes the Messages API stream: message_start … content_block_* … message_delta, message_stop. */
export function createAnthropicDecoder(): EventDecoder {
  let emit: Emit = () => {};
  let inputTokens = 0;
  /** Anthropic numbers content blocks; OpenAI numbers tool calls. Block index → tool index. */
  const toolIndex = new Map<number, number>();

  const onEvent = (event: AnthropicEventJson) => {
    switch (event.type) {
      case 'message_start':
        inputTokens = event.message?.usage?.input_tokens ?? 0;
        emit({ type: 'start', id: event.message?.id });
        return;
      case 'content_block_start':
        if (event.content_block?.type === 'tool_use') {
          const index = toolIndex.size;
          toolIndex.set(event.index ?? 0, index);
          emit({
            type: 'tool-call-start',
            index,
            id: event.content_block.id ?? `call_${index}`,
            name: event.content_block.name ?? '',
          });
        }
        return;
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && delta.text) emit({ type: 'text', text: delta.text });
        else if (delta?.type === 'thinking_delta' && delta.thinking) emit({ type: 'reasoning', text: delta.thinking });
        else if (delta?.type === 'input_json_delta' && delta.partial_json) {
          emit({ type: 'tool-call-delta', index: toolIndex.get(event.index ?? 0) ?? 0, arguments: delta.partial_json });
        }
        return;
      }
      case 'message_delta':
        if (event.usage) {
          emit({
            type: 'usage',
            usage: {
              inputTokens: event.usage.input_tokens ?? inputTokens,
              outputTokens: event.usage.output_tokens,
            },
          });
        }
        if (event.delta?.stop_reason) emit({ type: 'finish', reason: STOP_REASONS[event.delta.stop_reason] ?? 'stop' });
        return;
      case 'error':
        emit({
          type: 'error',
          error: {
            code: `upstream_${event.error?.type ?? 'stream_error'}`,
            message: 'The provider reported an error.',
          },
        });
        return;
      default:
        // ping, content_block_stop, message_stop and event types added later carry no content.
        return;
    }
  };

  const sse = createSseDecoder({
    message({ data }) {
      let event: AnthropicEventJson;
      try {
        event = JSON.parse(data) as AnthropicEventJson;
      } catch {
        emit({
          type: 'error',
          error: { code: 'upstream_malformed_event', message: 'The provider sent a malformed event.' },
        });
        return;
      }
      if (event !== null && typeof event === 'object') onEvent(event);
    },
    comment() {},
    tooLarge() {
      emit({
        type: 'error',
        error: { code: 'upstream_event_too_large', message: 'The provider sent an oversized event.' },
      });
    },
  });

  return {
    push(bytes, target) {
      emit = target;
      sse.push(bytes);
    },
    end(target) {
      emit = target;
      sse.end();
    },
  };
}
