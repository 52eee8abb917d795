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

/** Anthropic wants strictly alternating turns, with tool results sent as user content. */
function toMessages(messages: readonly ChatMessage[]): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'system' || message.role === 'developer') return;
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
  for (const field of ['response_format', 'presence_penalty', 'frequency_penalty'] as const) {
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
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .join('\n\n');
  const body: Record<string, unknown> = {
    model,
    stream: true,
    max_tokens: maxOutputTokens(request) ?? DEFAULT_MAX_TOKENS,
    messages: toMessages(request.messages),
  };
  if (system) body.system = system;
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
