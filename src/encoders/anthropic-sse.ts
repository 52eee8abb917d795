import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { anthropicErrorBody } from './anthropic-error';
import type { Encoder, ResponseMeta } from './encoder';

export const STOP_REASONS: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/** `msg_<request id>`: the same request id the client sees in `x-request-id`, in Anthropic's id style. */
export function anthropicMessageId(meta: ResponseMeta): string {
  return `msg_${meta.id.replace(/^chatcmpl-/, '')}`;
}

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';
const TEXT_BLOCK = '{"type":"text","text":""}';
const THINKING_BLOCK = '{"type":"thinking","thinking":"","signature":""}';
const MESSAGE_STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';

const deltaHead = (index: number, type: string, field: string) =>
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${field}":`;

/**
 * The Messages API stream (`message_start` … `message_stop`) from events of any provider.
 * Blocks are numbered in the order they open; a block closes when another kind of content
 * starts, so text, thinking and tool calls interleave as Anthropic sends them. Usage can come
 * after the finish (OpenAI-dialect upstreams send it last), so `message_delta` waits for the end.
 * The head of each block's deltas is serialised once, when the block opens.
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
    // Usage is known only at the end; Anthropic clients take the totals from message_delta.
    usage: { input_tokens: 0, output_tokens: 0 },
  };
  const start = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message })}\n\n${PING}`;
  let started = false;
  let blocks = 0;
  /** The open block: `text`, `thinking`, a tool call's index, or undefined. */
  let open: 'text' | 'thinking' | number | undefined;
  let openHead = '';
  /** Tool call index → the head of its block's deltas; a late delta still reaches its own block. */
  const toolHeads: string[] = [];
  let finish: FinishReason = 'stop';
  let usage: Usage | undefined;

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

  const encode = (event: StreamEvent): string => {
    switch (event.type) {
      case 'text':
      case 'reasoning': {
        if (event.text === '') return '';
        const kind = event.type === 'text' ? 'text' : 'thinking';
        let out = '';
        if (open !== kind) {
          out = begin(kind, kind === 'text' ? TEXT_BLOCK : THINKING_BLOCK);
          openHead =
            kind === 'text'
              ? deltaHead(blocks - 1, 'text_delta', 'text')
              : deltaHead(blocks - 1, 'thinking_delta', 'thinking');
        }
        return `${out}${openHead}${JSON.stringify(event.text)}}}\n\n`;
      }
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
        return close();
      case 'usage':
        usage = event.usage;
        return '';
      default:
        // start carries nothing; errors arrive through error(); annotations have no Anthropic form.
        return '';
    }
  };

  return {
    contentType: 'text/event-stream; charset=utf-8',
    event(event) {
      if (started) return encode(event);
      started = true;
      return start + encode(event);
    },
    error(error) {
      return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`;
    },
    end() {
      const head = started ? '' : start;
      started = true;
      const tokens = usage
        ? `"input_tokens":${usage.inputTokens ?? 0},"output_tokens":${usage.outputTokens ?? 0}`
        : '"output_tokens":0';
      return `${head}${close()}event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${STOP_REASONS[finish]}","stop_sequence":null},"usage":{${tokens}}}\n\n${MESSAGE_STOP}`;
    },
    probe() {
      // Anthropic's own keep-alive; SDKs skip it, wherever it falls.
      return PING;
    },
  };
}
