import * as z from 'zod';
import { invalidRequest } from '../errors/gateway-error';
import type { ChatMessage, ChatRequest } from './chat-request';
import { validationError } from './validation-error';

/**
 * The Anthropic Messages request as the gateway accepts it, strict like the chat schema: a field
 * we cannot honour is rejected by name. `cache_control` is accepted and ignored everywhere
 * Anthropic allows it: it is a cost hint that never changes the answer.
 */
const cacheControl = z
  .strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() })
  .nullable()
  .optional();

const textBlock = z.strictObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl });
const imageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('base64'),
      media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
      data: z.string().min(1),
    }),
    z.strictObject({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
  cache_control: cacheControl,
});
const toolResultBlock = z.strictObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(textBlock)]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});
const toolUseBlock = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
// Earlier turns' thinking comes back when a client replays a reply; Anthropic itself ignores it there.
const thinkingBlock = z.strictObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() });
const redactedThinkingBlock = z.strictObject({ type: z.literal('redacted_thinking'), data: z.string() });

const userBlock = z.discriminatedUnion('type', [textBlock, imageBlock, toolResultBlock]);
const assistantBlock = z.discriminatedUnion('type', [textBlock, toolUseBlock, thinkingBlock, redactedThinkingBlock]);

const message = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('user'), content: z.union([z.string(), z.array(userBlock).min(1)]) }),
  z.strictObject({ role: z.literal('assistant'), content: z.union([z.string(), z.array(assistantBlock)]) }),
]);

const tool = z.strictObject({
  type: z.literal('custom').nullable().optional(),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

const parallel = { disable_parallel_tool_use: z.boolean().optional() };
const toolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), ...parallel }),
  z.strictObject({ type: z.literal('any'), ...parallel }),
  z.strictObject({ type: z.literal('tool'), name: z.string().min(1), ...parallel }),
  z.strictObject({ type: z.literal('none') }),
]);

export const messagesRequestSchema = z.strictObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(message).min(1).max(10_000),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().nonnegative().optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  tools: z.array(tool).max(128).optional(),
  tool_choice: toolChoice.optional(),
  metadata: z.strictObject({ user_id: z.string().max(256).nullable().optional() }).optional(),
  cache_control: cacheControl,
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** A union's own issue says only "Invalid input"; the branch that got past the type check says what is wrong. */
export function preciseIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const inner = issue.errors.find(
    ([first]) => first && !(first.code === 'invalid_type' && first.path.length === 0),
  )?.[0];
  return inner ? preciseIssue({ ...inner, path: [...issue.path, ...inner.path] }) : issue;
}

export function parseMessagesRequest(body: unknown): MessagesRequest {
  const parsed = messagesRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw validationError(first ? new z.ZodError([preciseIssue(first)]) : parsed.error);
}

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];

const joinText = (blocks: readonly { type: string; text?: string }[]) => blocks.map((b) => b.text ?? '').join('');

/** Tool results become `tool` messages, which OpenAI wants right after the call and Anthropic first in the turn. */
function userMessages(content: z.infer<typeof userBlock>[], out: ChatMessage[]): void {
  const parts: UserPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') {
      const text = typeof block.content === 'string' ? block.content : joinText(block.content ?? []);
      // OpenAI's tool message has no error flag; the model still has to learn the call failed.
      out.push({ role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${text}` : text });
    } else if (block.type === 'text') {
      parts.push({ type: 'text', text: block.text });
    } else {
      const { source } = block;
      const url = source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}`;
      parts.push({ type: 'image_url', image_url: { url } });
    }
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.type === 'text') out.push({ role: 'user', content: only.text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
}

function assistantMessage(content: z.infer<typeof assistantBlock>[]): ChatMessage | undefined {
  const text = joinText(content.filter((b) => b.type === 'text'));
  const calls = content.flatMap((b) =>
    b.type === 'tool_use'
      ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input) } }]
      : [],
  );
  if (calls.length === 0) return text ? { role: 'assistant', content: text } : undefined;
  return { role: 'assistant', content: text || null, tool_calls: calls };
}

function toolChoiceOf(
  choice: MessagesRequest['tool_choice'],
): Pick<ChatRequest, 'tool_choice' | 'parallel_tool_calls'> {
  if (!choice) return {};
  if (choice.type === 'none') return { tool_choice: 'none' };
  const parallel = choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {};
  if (choice.type === 'auto') return { tool_choice: 'auto', ...parallel };
  if (choice.type === 'any') return { tool_choice: 'required', ...parallel };
  return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
}

/** The Messages request as the internal (OpenAI-shaped) ChatRequest every provider takes. */
export function toChatRequest(request: MessagesRequest): ChatRequest {
  if (request.top_k !== undefined) {
    const message = "'top_k' is not supported by the gateway: its providers take the OpenAI shape, which has no top-k.";
    throw invalidRequest(message, 'top_k', 'unsupported_field');
  }
  const messages: ChatMessage[] = [];
  const system = typeof request.system === 'string' ? request.system : joinText(request.system ?? []);
  if (system) messages.push({ role: 'system', content: system });
  for (const m of request.messages) {
    if (typeof m.content === 'string') messages.push({ role: m.role, content: m.content });
    else if (m.role === 'user') userMessages(m.content, messages);
    else {
      const reply = assistantMessage(m.content);
      if (reply) messages.push(reply);
    }
  }
  return {
    model: request.model,
    messages,
    max_tokens: request.max_tokens,
    stream: request.stream,
    temperature: request.temperature,
    top_p: request.top_p,
    stop: request.stop_sequences,
    tools: request.tools?.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.input_schema },
    })),
    ...toolChoiceOf(request.tool_choice),
    user: request.metadata?.user_id ?? undefined,
  };
}
