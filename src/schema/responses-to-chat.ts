import { invalidRequest } from '../errors/gateway-error';
import type { ChatMessage, ChatRequest } from './chat-request';
import type { InputItem, ResponsesRequest } from './responses-request';

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

/** A string input is one user message, as OpenAI reads it. */
export function inputItems(input: ResponsesRequest['input']): InputItem[] {
  return typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
}

const joinText = (parts: readonly { text: string }[]) => parts.map((part) => part.text).join('');

function userContent(content: Extract<InputItem, { role: 'user' }>['content']): string | UserPart[] {
  if (typeof content === 'string') return content;
  return content.map(
    (part): UserPart =>
      part.type === 'input_text'
        ? { type: 'text', text: part.text }
        : { type: 'image_url', image_url: { url: part.image_url, ...(part.detail && { detail: part.detail }) } },
  );
}

function assistantMessage(item: Extract<InputItem, { role: 'assistant' }>): AssistantMessage {
  if (typeof item.content === 'string') return { role: 'assistant', content: item.content };
  const text = item.content.flatMap((part) => (part.type === 'output_text' ? [part.text] : [])).join('');
  const refusal = item.content.flatMap((part) => (part.type === 'refusal' ? [part.refusal] : [])).join('');
  return { role: 'assistant', content: text, ...(refusal && { refusal }) };
}

/**
 * Items as Chat Completions messages. Function calls join the assistant message just before
 * them (one assistant turn with text and calls), outputs become `tool` messages, and earlier
 * reasoning is left out: chat upstreams take no reasoning input (Anthropic wants its own signed
 * blocks), as the Messages route does with replayed thinking.
 */
export function toMessages(items: readonly InputItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const item of items) {
    const last = messages.at(-1);
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') messages.push(assistantMessage(item));
        else if (item.role === 'user') messages.push({ role: 'user', content: userContent(item.content) });
        else
          messages.push({
            role: item.role,
            content: typeof item.content === 'string' ? item.content : joinText(item.content),
          });
        break;
      case 'function_call': {
        const call = {
          id: item.call_id,
          type: 'function' as const,
          function: { name: item.name, arguments: item.arguments },
        };
        if (last?.role === 'assistant') {
          last.tool_calls = [...(last.tool_calls ?? []), call];
          if (last.content === '') last.content = null;
        } else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        break;
      }
      case 'function_call_output':
        messages.push({
          role: 'tool',
          tool_call_id: item.call_id,
          content: typeof item.output === 'string' ? item.output : joinText(item.output),
        });
        break;
      case 'reasoning':
        break;
    }
  }
  return messages;
}

/** The provider a model address names (`anthropic/claude-…` → `anthropic`), for error messages. */
const providerOf = (model: string) => model.split('/')[0] ?? model;

export interface TranslateOptions {
  /** Leave out tools only a Responses upstream could run (hosted tools, namespaces) instead of refusing them. */
  dropUnsupportedTools?: boolean;
  /** Told each field left out, as `tools[8] (web_search)`, for `x-infe-dropped-params`. */
  dropped?: string[];
}

function tools(request: ResponsesRequest, options: TranslateOptions): ChatRequest['tools'] {
  const out: NonNullable<ChatRequest['tools']> = [];
  for (const [index, tool] of (request.tools ?? []).entries()) {
    if (tool.type !== 'function' || !('name' in tool) || typeof tool.name !== 'string') {
      const type = tool.type.slice(0, 64);
      if (options.dropUnsupportedTools) {
        options.dropped?.push(`tools[${index}] (${type})`);
        continue;
      }
      throw invalidRequest(
        `Tool type '${type}' is not supported by provider '${providerOf(request.model).slice(0, 64)}': the gateway runs function tools only.`,
        `tools[${index}].type`,
        'unsupported_for_provider',
      );
    }
    const fn = tool as Extract<typeof tool, { name: string }>;
    out.push({
      type: 'function',
      function: {
        name: fn.name,
        ...(fn.description != null && { description: fn.description }),
        ...(fn.parameters != null && { parameters: fn.parameters }),
        ...(fn.strict != null && { strict: fn.strict }),
      },
    });
  }
  return request.tools ? out : undefined;
}

function responseFormat(request: ResponsesRequest): ChatRequest['response_format'] {
  const format = request.text?.format;
  if (format?.type !== 'json_schema') return format;
  const { type, ...schema } = format;
  return { type, json_schema: schema };
}

/**
 * The Responses request as the internal (OpenAI Chat-shaped) ChatRequest every provider takes.
 * `context` is what an earlier stored response contributes (its input and output), before
 * this request's own input; instructions are this request's only, as OpenAI does.
 */
export function toChatRequest(
  request: ResponsesRequest,
  context: readonly InputItem[] = [],
  options: TranslateOptions = {},
): ChatRequest {
  const messages = toMessages([...context, ...inputItems(request.input)]);
  if (request.instructions) messages.unshift({ role: 'system', content: request.instructions });
  if (messages.length === 0) throw invalidRequest("'input' must hold at least one message.", 'input');
  const choice = request.tool_choice;
  return {
    model: request.model,
    messages,
    stream: request.stream ?? undefined,
    temperature: request.temperature,
    top_p: request.top_p,
    max_completion_tokens: request.max_output_tokens,
    tools: tools(request, options),
    tool_choice:
      typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : (choice ?? undefined),
    parallel_tool_calls: request.parallel_tool_calls ?? undefined,
    response_format: responseFormat(request),
    reasoning_effort: request.reasoning?.effort ?? undefined,
    user: request.user ?? request.safety_identifier ?? undefined,
    infe: request.infe,
  };
}
