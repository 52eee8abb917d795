import type { FinishReason, StreamEvent, Usage } from '../stream/events';
import { anthropicMessageId, stopOf } from './anthropic-sse';
import { anthropicUsage } from './client-usage';
import type { Collector, ResponseMeta } from './encoder';

type Json = Record<string, unknown>;
type Block = Json & { type: string };
type AnthropicExtra = Extract<StreamEvent, { type: 'upstream-extra'; dialect: 'anthropic' }>['event'];

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
 * the order the streaming encoder would have opened them. An Anthropic upstream's signatures,
 * citations and blocks of other types (server tools, redacted thinking) land where they belong.
 */
export function createAnthropicMessageCollector(meta: ResponseMeta): Collector {
  const content: Block[] = [];
  /** Blocks whose `input` arrives as JSON pieces: tool calls by tool index, relayed blocks by upstream index. */
  const tools: { block: Block; json: string }[] = [];
  const relayed = new Map<number, { block: Block; json: string }>();
  let finish: FinishReason = 'stop';
  let stopSequence: string | undefined;
  let refused = false;
  let usage: Usage | undefined;
  const top: Json = {};

  /** The last block if it is of `type`, else a new one. */
  const last = (type: 'text' | 'thinking'): Block => {
    const block = content.at(-1);
    if (block?.type === type) return block;
    const fresh: Block = type === 'text' ? { type, text: '' } : { type, thinking: '', signature: '' };
    content.push(fresh);
    return fresh;
  };

  const extra = (event: AnthropicExtra) => {
    const index = event.index ?? 0;
    const delta = (event.delta ?? {}) as Json;
    if (event.type === 'message_delta') Object.assign(top, delta);
    else if (event.type === 'content_block_start') {
      const block = { ...(event.content_block as Block) };
      content.push(block);
      relayed.set(index, { block, json: '' });
    } else if (event.type === 'content_block_delta') {
      const own = relayed.get(index);
      if (own && delta.type === 'input_json_delta') own.json += String(delta.partial_json ?? '');
      else if (delta.type === 'signature_delta') last('thinking').signature = delta.signature;
      else if (delta.type === 'citations_delta') {
        const block = last('text');
        block.citations = [...((block.citations as unknown[]) ?? []), delta.citation];
      }
    }
  };

  return {
    event(event: StreamEvent): void {
      switch (event.type) {
        case 'text':
        case 'refusal':
          if (event.type === 'refusal') refused = true;
          if (event.text) last('text').text += event.text;
          break;
        case 'reasoning':
          if (event.text) last('thinking').thinking += event.text;
          break;
        case 'tool-call-start': {
          const block: Block = { type: 'tool_use', id: event.id, name: event.name, input: {} };
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
          stopSequence = event.stopSequence;
          break;
        case 'usage':
          usage = event.usage;
          break;
        case 'upstream-extra':
          if (event.dialect === 'anthropic') extra(event.event);
          break;
      }
    },
    result() {
      for (const tool of [...tools, ...relayed.values()]) {
        if (tool && (tool.json || tool.block.type === 'tool_use')) tool.block.input = parseInput(tool.json);
      }
      return {
        id: anthropicMessageId(meta),
        type: 'message',
        role: 'assistant',
        model: meta.model,
        content,
        ...stopOf(finish, stopSequence, refused),
        ...top,
        usage: usage ? anthropicUsage(usage) : { input_tokens: 0, output_tokens: 0 },
      };
    },
  };
}
