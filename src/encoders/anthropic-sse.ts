import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { anthropicErrorBody } from './anthropic-error';
import { anthropicUsage } from './client-usage';
import type { Encoder, ResponseMeta } from './encoder';

export const STOP_REASONS: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/** `stop_reason` and `stop_sequence` of a finished reply; a refusal the model wrote out is a refusal stop. */
export function stopOf(finish: FinishReason, stopSequence: string | undefined, refused: boolean) {
  if (stopSequence !== undefined) return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
  return { stop_reason: refused && finish === 'stop' ? 'refusal' : STOP_REASONS[finish], stop_sequence: null };
}

/** `msg_<request id>`: the same request id the client sees in `x-request-id`, in Anthropic's id style. */
export function anthropicMessageId(meta: ResponseMeta): string {
  return `msg_${meta.id.replace(/^chatcmpl-/, '')}`;
}

type AnthropicExtra = Extract<StreamEvent, { type: 'upstream-extra'; dialect: 'anthropic' }>['event'];

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';
const TEXT_BLOCK = '{"type":"text","text":""}';
const THINKING_BLOCK = '{"type":"thinking","thinking":"","signature":""}';
const MESSAGE_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
/** The block a delta the typed events do not carry belongs in. */
const DELTA_BLOCK: Record<string, 'text' | 'thinking'> = { signature_delta: 'thinking', citations_delta: 'text' };

const sse = (data: Record<string, unknown> & { type: string }) =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
const deltaHead = (index: number, type: string, field: string) =>
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${field}":`;

/**
 * The Messages API stream (`message_start` … `message_stop`) from events of any provider.
 * Blocks are numbered in the order they open; a block closes when another kind of content
 * starts, so text, thinking and tool calls interleave as Anthropic sends them. Usage can come
 * after the finish (OpenAI-dialect upstreams send it last), so `message_delta` waits for the end.
 * The head of each block's deltas is serialised once, when the block opens.
 *
 * From an Anthropic upstream, what the typed events leave out arrives as upstream events and is
 * re-emitted in this stream's own block numbering: signatures into the open thinking block,
 * citations into the open text block, and blocks of other types (server tools, redacted thinking)
 * as they came.
 */
export function createAnthropicSseEncoder(meta: ResponseMeta): Encoder {
  const message = {
    id: anthropicMessageId(meta),
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 } as Record<string, unknown>,
  };
  let started = false;
  let blocks = 0;
  /** The open block: `text`, `thinking`, a tool call's index, `relayed`, or undefined. */
  let open: 'text' | 'thinking' | 'relayed' | number | undefined;
  let openHead = '';
  /** Tool call index → the head of its block's deltas; a late delta still reaches its own block. */
  const toolHeads: string[] = [];
  /** Upstream block index → ours, for relayed blocks. */
  const relayed = new Map<number, number>();
  let finish: FinishReason = 'stop';
  let stopSequence: string | undefined;
  let refused = false;
  let usage: Usage | undefined;
  let deltaExtra: Record<string, unknown> | undefined;

  const begin0 = (startUsage: Usage | undefined): string => {
    started = true;
    // An Anthropic upstream's own usage (with its cache counts) as it came; otherwise the totals
    // are known only at the end, and Anthropic clients take them from message_delta.
    if (startUsage?.native?.dialect === 'anthropic') message.usage = anthropicUsage(startUsage);
    return `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message })}\n\n${PING}`;
  };
  const close = (): string => {
    if (open === undefined) return '';
    open = undefined;
    return `event: content_block_stop\ndata: {"type":"content_block_stop","index":${blocks - 1}}\n\n`;
  };
  const begin = (kind: 'text' | 'thinking' | number, block: string): string => {
    const stop = close();
    open = kind;
    return `${stop}event: content_block_start\ndata: {"type":"content_block_start","index":${blocks++},"content_block":${block}}\n\n`;
  };
  const content = (kind: 'text' | 'thinking', text: string): string => {
    let out = '';
    if (open !== kind) {
      out = begin(kind, kind === 'text' ? TEXT_BLOCK : THINKING_BLOCK);
      openHead =
        kind === 'text'
          ? deltaHead(blocks - 1, 'text_delta', 'text')
          : deltaHead(blocks - 1, 'thinking_delta', 'thinking');
    }
    return text === '' ? out : `${out}${openHead}${JSON.stringify(text)}}}\n\n`;
  };

  const extra = (event: AnthropicExtra): string => {
    const upstream = event.index ?? 0;
    switch (event.type) {
      case 'message_delta':
        deltaExtra = { ...deltaExtra, ...(event.delta as Record<string, unknown>) };
        return '';
      case 'content_block_start': {
        const stop = close();
        open = 'relayed';
        relayed.set(upstream, blocks);
        return stop + sse({ ...event, index: blocks++ });
      }
      case 'content_block_delta': {
        const mine = relayed.get(upstream);
        if (mine !== undefined) return sse({ ...event, index: mine });
        const type = (event.delta as { type?: string } | undefined)?.type ?? '';
        const kind = DELTA_BLOCK[type] ?? (open === 'text' || open === 'thinking' ? open : 'text');
        const out = content(kind, '');
        return out + sse({ ...event, index: blocks - 1 });
      }
      case 'content_block_stop': {
        // Already closed when other content started in between (text a stage held back).
        if (open !== 'relayed' || relayed.get(upstream) !== blocks - 1) return '';
        return close();
      }
      default:
        return sse(event);
    }
  };

  const encode = (event: StreamEvent): string => {
    switch (event.type) {
      case 'text':
      case 'reasoning':
        return event.text === '' ? '' : content(event.type === 'text' ? 'text' : 'thinking', event.text);
      case 'refusal':
        refused = true;
        return event.text === '' ? '' : content('text', event.text);
      case 'tool-call-start': {
        const block = JSON.stringify({ type: 'tool_use', id: event.id, name: event.name, input: {} });
        const out = begin(event.index, block);
        toolHeads[event.index] = deltaHead(blocks - 1, 'input_json_delta', 'partial_json');
        return out;
      }
      case 'tool-call-delta': {
        const head = toolHeads[event.index];
        return head && event.arguments ? `${head}${JSON.stringify(event.arguments)}}}\n\n` : '';
      }
      case 'finish':
        finish = event.reason;
        stopSequence = event.stopSequence;
        return close();
      case 'usage':
        usage = event.usage;
        return '';
      case 'upstream-extra':
        return event.dialect === 'anthropic' ? extra(event.event) : '';
      default:
        // start carries nothing more; errors arrive through error(); annotations have no Anthropic form.
        return '';
    }
  };

  return {
    contentType: 'text/event-stream; charset=utf-8',
    event(event) {
      if (started) return encode(event);
      return begin0(event.type === 'start' ? event.usage : undefined) + encode(event);
    },
    error(error) {
      return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`;
    },
    end() {
      const head = started ? '' : begin0(undefined);
      const delta = { ...stopOf(finish, stopSequence, refused), ...deltaExtra };
      const tokens = usage ? anthropicUsage(usage) : { output_tokens: 0 };
      return `${head}${close()}${sse({ type: 'message_delta', delta, usage: tokens })}${MESSAGE_STOP}`;
    },
    probe() {
      // Anthropic's own keep-alive; SDKs skip it, wherever it falls.
      return PING;
    },
  };
}
