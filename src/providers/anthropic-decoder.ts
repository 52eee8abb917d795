import type { FinishReason } from '../stream/events';
import { createJsonSseDecoder } from './json-sse-decoder';
import { usageFromAnthropic } from './native-usage';
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

type Json = Record<string, unknown>;

interface AnthropicEventJson {
  type?: string;
  index?: number;
  message?: { id?: string; usage?: Json };
  content_block?: { type?: string; id?: string; name?: string };
  delta?: {
    type?: string;
    text?: string;
    partial_json?: string;
    thinking?: string;
    stop_reason?: string | null;
    stop_sequence?: string | null;
  };
  usage?: Json;
  error?: { type?: string; message?: string };
}

/** Stop reasons an Anthropic client gets back from the typed finish alone. */
const TYPED_STOPS = new Set(['end_turn', 'max_tokens', 'tool_use', 'refusal', 'stop_sequence']);

/** Blocks whose content the typed events carry; every other block type is relayed as it came. */
const TYPED_BLOCKS = new Set(['text', 'thinking', 'tool_use']);

/** Decodes the Messages API stream: message_start … content_block_* … message_delta, message_stop. */
export function createAnthropicDecoder(): EventDecoder {
  return createJsonSseDecoder<AnthropicEventJson>((emit) => {
    /** message_start's usage: message_delta's counts complete it (older APIs send only output_tokens there). */
    let startUsage: Json = {};
    /** Anthropic numbers content blocks; OpenAI numbers tool calls. Block index → tool index. */
    const toolIndex = new Map<number, number>();
    /** Upstream blocks of a type no typed event carries (server tools, redacted thinking). */
    const relayed = new Set<number>();

    const extra = (event: AnthropicEventJson, boundary = false) =>
      emit({
        type: 'upstream-extra',
        dialect: 'anthropic',
        event: event as Json & { type: string },
        ...(boundary && { boundary }),
      });

    const onMessageDelta = (event: AnthropicEventJson) => {
      const { stop_reason, stop_sequence, ...rest } = event.delta ?? {};
      // A stop reason the finish cannot say (pause_turn: a server tool wants the turn continued)
      // goes to Anthropic clients as it came, like stop_details and container.
      const residue: Json = stop_reason && !TYPED_STOPS.has(stop_reason) ? { ...rest, stop_reason } : rest;
      if (Object.keys(residue).length > 0) extra({ type: 'message_delta', delta: residue });
      if (event.usage) {
        // Counts from both events; the object an Anthropic client is owed is this event's own.
        const usage = usageFromAnthropic({ ...startUsage, ...event.usage });
        emit({ type: 'usage', usage: { ...usage, native: { dialect: 'anthropic', value: event.usage } } });
      }
      if (stop_reason) {
        emit({
          type: 'finish',
          reason: STOP_REASONS[stop_reason] ?? 'stop',
          ...(typeof stop_sequence === 'string' && { stopSequence: stop_sequence }),
        });
      }
    };

    const onEvent = (event: AnthropicEventJson) => {
      const block = event.index ?? 0;
      switch (event.type) {
        case 'message_start': {
          const usage = event.message?.usage;
          if (usage) startUsage = usage;
          emit({ type: 'start', id: event.message?.id, ...(usage && { usage: usageFromAnthropic(usage) }) });
          return;
        }
        case 'content_block_start': {
          const type = event.content_block?.type ?? '';
          if (!TYPED_BLOCKS.has(type)) {
            relayed.add(block);
            extra(event, true);
          } else if (type === 'tool_use' && event.content_block) {
            const index = toolIndex.size;
            toolIndex.set(block, index);
            emit({
              type: 'tool-call-start',
              index,
              id: event.content_block.id ?? `call_${index}`,
              name: event.content_block.name ?? '',
            });
          }
          return;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (relayed.has(block)) extra(event);
          else if (delta?.type === 'text_delta') {
            if (delta.text) emit({ type: 'text', text: delta.text });
          } else if (delta?.type === 'thinking_delta') {
            if (delta.thinking) emit({ type: 'reasoning', text: delta.thinking });
          } else if (delta?.type === 'input_json_delta') {
            if (delta.partial_json) {
              emit({ type: 'tool-call-delta', index: toolIndex.get(block) ?? 0, arguments: delta.partial_json });
            }
          } else extra(event);
          return;
        }
        case 'content_block_stop':
          if (relayed.has(block)) extra(event);
          return;
        case 'message_delta':
          onMessageDelta(event);
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
        case 'ping':
        case 'message_stop':
          // The encoder writes its own.
          return;
        default:
          // An event type added after this decoder: relayed to Anthropic clients as it came.
          if (event.type) extra(event);
          return;
      }
    };

    return { json: onEvent };
  });
}
