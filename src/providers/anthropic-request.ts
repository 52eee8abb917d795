import { invalidRequest } from '../errors/gateway-error';
import { type ChatMessage, type ChatRequest, maxOutputTokens, textOf, type UserContent } from '../schema/chat-request';

/** Anthropic requires max_tokens; this is used when the client sets no cap. */
export const DEFAULT_MAX_TOKENS = 4096;

type ContentBlock = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

function imageBlock(url: string): ContentBlock {
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline) return { type: 'image', source: { type: 'base64', media_type: inline[1], data: inline[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function userBlocks(content: UserContent): ContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part) =>
    part.type === 'text' ? { type: 'text', text: part.text } : imageBlock(part.image_url.url),
  );
}

function parseToolInput(args: string, index: number): unknown {
  try {
    return args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    throw invalidRequest(
      'Tool call arguments must be JSON for this provider.',
      `messages[${index}].tool_calls`,
      'invalid_tool_arguments',
    );
  }
}

function blocksOf(message: ChatMessage, index: number): ContentBlock[] {
  switch (message.role) {
    case 'user':
      return userBlocks(message.content);
    case 'assistant': {
      const text = textOf(message.content);
      const blocks: ContentBlock[] = text ? [{ type: 'text', text }] : [];
      for (const call of message.tool_calls ?? []) {
        blocks.push({
          type: 'tool_use',
          id: call.id,
          name: call.function.name,
          input: parseToolInput(call.function.arguments, index),
        });
      }
      return blocks;
    }
    case 'tool':
      return [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }];
    default:
      return [];
  }
}

const EPHEMERAL = { type: 'ephemeral' } as const;
const isSystem = (message: ChatMessage) => message.role === 'system' || message.role === 'developer';

/**
 * Anthropic wants strictly alternating turns, with tool results sent as user content. With
 * `cachePrefix`, the last block before the final message carries a cache breakpoint: it stays in
 * place when the final message merges into the same turn, so the next request's prefix (this one
 * plus the reply) reads what this one wrote.
 */
function toMessages(messages: readonly ChatMessage[], cachePrefix: boolean): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  const final = messages.findLastIndex((message) => !isSystem(message));
  messages.forEach((message, index) => {
    if (isSystem(message)) return;
    const breakpoint = cachePrefix && index === final ? out.at(-1)?.content.at(-1) : undefined;
    if (breakpoint) breakpoint.cache_control = EPHEMERAL;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(message, index);
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  });
  return out;
}

function toolChoice(choice: ChatRequest['tool_choice'], parallel: boolean | undefined) {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.function.name, ...disable };
}

/**
 * Maps an OpenAI-shaped request to the Messages API. Fields with no Anthropic counterpart that
 * would change the answer are rejected by name rather than dropped.
 */
export function anthropicBody(request: ChatRequest, model: string): Record<string, unknown> {
  for (const field of ['response_format', 'presence_penalty', 'frequency_penalty', 'reasoning_effort'] as const) {
    const value = request[field];
    if (
      value !== undefined &&
      value !== null &&
      !(field === 'response_format' && request.response_format?.type === 'text')
    ) {
      throw invalidRequest(`'${field}' is not supported by provider 'anthropic'.`, field, 'unsupported_for_provider');
    }
  }
  const system = request.messages
    .filter(isSystem)
    .map((m) => textOf(m.content))
    .join('\n\n');
  const cachePrefix = request.infe?.cache_prefix === true;
  const body: Record<string, unknown> = {
    model,
    stream: true,
    max_tokens: maxOutputTokens(request) ?? DEFAULT_MAX_TOKENS,
    messages: toMessages(request.messages, cachePrefix),
  };
  // A breakpoint of its own on the system prompt: it still matches after a trim moves the
  // messages' start. Two breakpoints, within Anthropic's four.
  if (system) body.system = cachePrefix ? [{ type: 'text', text: system, cache_control: EPHEMERAL }] : system;
  if (request.temperature != null) body.temperature = request.temperature;
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.stop != null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.user) body.metadata = { user_id: request.user };
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      name: t.function.name,
      description: t.function.description,
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const choice = toolChoice(request.tool_choice, request.parallel_tool_calls);
  if (choice && request.tools?.length) body.tool_choice = choice;
  return body;
}
