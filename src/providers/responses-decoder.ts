import type { Emit, FinishReason, StreamEvent, Usage } from '../stream/events';
import { createJsonSseDecoder } from './json-sse-decoder';
import type { EventDecoder } from './provider';

type Json = Record<string, unknown>;
type ResponsesEvent = Json & { type: string };

const count = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const nested = (value: unknown, key: string): number | undefined =>
  value !== null && typeof value === 'object' ? count((value as Json)[key]) : undefined;

/** A Responses `usage` object; a count the provider did not report stays absent. */
export function usageFromResponses(usage: Json): Usage {
  const out: Usage = {};
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  const cached = nested(usage.input_tokens_details, 'cached_tokens');
  const reasoning = nested(usage.output_tokens_details, 'reasoning_tokens');
  if (input !== undefined) out.inputTokens = input;
  if (output !== undefined) out.outputTokens = output;
  if (cached !== undefined) out.cachedInputTokens = cached;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  // OpenRouter's Responses API prices the request itself, as its chat completions do.
  const cost = count(usage.cost);
  if (cost !== undefined) out.cost = cost;
  return out;
}

/** Delta events whose only payload the typed events carry (`obfuscation` is padding, see the README). */
const TEXT_DELTAS: Record<string, 'text' | 'refusal' | 'reasoning'> = {
  'response.output_text.delta': 'text',
  'response.refusal.delta': 'refusal',
  'response.reasoning_text.delta': 'reasoning',
  'response.reasoning_summary_text.delta': 'reasoning',
};
const DELTA_KEYS = new Set([
  'type',
  'item_id',
  'output_index',
  'content_index',
  'summary_index',
  'delta',
  'sequence_number',
  'obfuscation',
]);

/** The fields of a delta event beyond its location and text (non-empty logprobs, fields added later). */
function deltaResidue(event: Json): boolean {
  for (const key in event) {
    if (DELTA_KEYS.has(key)) continue;
    const value = event[key];
    if (key === 'logprobs' && (!Array.isArray(value) || value.length === 0)) continue;
    return true;
  }
  return false;
}

/** How a terminal response ended, in the gateway's terms. */
function finishOf(response: Json): FinishReason {
  if (response.status === 'incomplete') {
    const reason = (response.incomplete_details as Json | null | undefined)?.reason;
    return reason === 'content_filter' ? 'content_filter' : 'length';
  }
  const output = Array.isArray(response.output) ? (response.output as Json[]) : [];
  return output.some((item) => item?.type === 'function_call') ? 'tool_calls' : 'stop';
}

/**
 * Decodes a Responses API stream (`response.created` … `response.completed`). Text, refusal,
 * reasoning (raw and summary) and function-call arguments become typed events; every other event
 * travels whole as an `upstream-extra` of dialect `responses`, which the Responses encoder
 * re-emits as it came (with what a stage changed applied). An extra that opens or closes a part
 * or an item is a boundary, so text a stage holds back goes out before it.
 */
export function createResponsesDecoder(): EventDecoder {
  return createJsonSseDecoder<Json>((emit) => {
    const onEvent = responsesEventHandler(emit);
    return {
      json(event) {
        if (typeof event.type === 'string') onEvent(event as ResponsesEvent);
      },
    };
  });
}

function responsesEventHandler(emit: Emit): (event: ResponsesEvent) => void {
  /** Function-call item id → the tool index of the typed events. */
  const toolIndex = new Map<string, number>();

  const extra = (event: ResponsesEvent) => {
    const { sequence_number: _renumbered, ...rest } = event;
    emit({
      type: 'upstream-extra',
      dialect: 'responses',
      event: rest as ResponsesEvent,
      ...(!event.type.endsWith('.delta') && { boundary: true }),
    });
  };
  const typed = (event: ResponsesEvent, typedEvent: StreamEvent) => {
    if (deltaResidue(event)) extra(event);
    emit(typedEvent);
  };

  const onTerminal = (event: ResponsesEvent) => {
    const response = (event.response ?? {}) as Json;
    extra(event);
    if (response.usage && typeof response.usage === 'object') {
      emit({ type: 'usage', usage: usageFromResponses(response.usage as Json) });
    }
    if (event.type === 'response.failed') {
      const code = (response.error as Json | null | undefined)?.code;
      const name = typeof code === 'string' ? code.slice(0, 64) : 'stream_error';
      emit({ type: 'error', error: { code: `upstream_${name}`, message: 'The provider reported an error.' } });
      return;
    }
    emit({ type: 'finish', reason: finishOf(response) });
  };

  const onEvent = (event: ResponsesEvent) => {
    const kind = TEXT_DELTAS[event.type];
    if (kind) {
      if (typeof event.delta === 'string' && event.delta !== '') typed(event, { type: kind, text: event.delta });
      return;
    }
    switch (event.type) {
      case 'response.created':
        extra(event);
        emit({ type: 'start', id: (event.response as Json | undefined)?.id as string | undefined });
        return;
      case 'response.output_item.added': {
        extra(event);
        const item = (event.item ?? {}) as Json;
        if (item.type !== 'function_call') return;
        const index = toolIndex.size;
        toolIndex.set(String(item.id), index);
        const id = typeof item.call_id === 'string' ? item.call_id : `call_${index}`;
        emit({ type: 'tool-call-start', index, id, name: typeof item.name === 'string' ? item.name : '' });
        return;
      }
      case 'response.function_call_arguments.delta':
        if (typeof event.delta === 'string' && event.delta !== '') {
          const index = toolIndex.get(String(event.item_id)) ?? 0;
          typed(event, { type: 'tool-call-delta', index, arguments: event.delta });
        }
        return;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        onTerminal(event);
        return;
      case 'error': {
        const code = typeof event.code === 'string' ? event.code.slice(0, 64) : 'stream_error';
        emit({ type: 'error', error: { code: `upstream_${code}`, message: 'The provider reported an error.' } });
        return;
      }
      default:
        extra(event);
    }
  };

  return onEvent;
}
