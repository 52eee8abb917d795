import * as z from 'zod';
import { requestOverridesSchema } from './request-overrides';
import { taggedObject } from './tagged-object';
import { validationError } from './validation-error';

/**
 * The Anthropic Messages request as the gateway accepts it: what Anthropic accepts. The fields
 * the gateway reads are validated; everything else (`thinking`'s siblings, server tools,
 * `cache_control`, `container`, `mcp_servers`, new block types) is kept as sent, so the
 * Anthropic provider receives the body as the client wrote it and a translation to another
 * dialect applies its per-provider policy (messages-to-chat.ts).
 */
const cacheControl = z.looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).nullish() }).nullish();

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl });
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.looseObject({ type: z.string().min(1) }),
  cache_control: cacheControl,
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).nullish(),
  is_error: z.boolean().nullish(),
  cache_control: cacheControl,
});
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});
/** Also `document`, `thinking`, `server_tool_use`, `search_result` and whatever comes next, as sent. */
const block = taggedObject({
  text: textBlock,
  image: imageBlock,
  tool_result: toolResultBlock,
  tool_use: toolUseBlock,
});

/** `user` and `assistant`, and whatever Anthropic adds (`system` mid-conversation, a beta Claude Code uses). */
const message = z.looseObject({
  role: z.string().min(1).max(32),
  content: z.union([z.string(), z.array(block)]),
});

/** A custom tool has an input schema; server tools (`web_search_20250305`, `bash_…`) have a versioned type. */
const tool = z.looseObject({
  type: z.string().nullish(),
  // Anthropic's own rules for names change (MCP tools, server tools); it judges them, bounded here.
  name: z.string().min(1).max(256),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()).nullish(),
});

const toolChoice = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().min(1).nullish(),
  disable_parallel_tool_use: z.boolean().nullish(),
});

const thinking = z.looseObject({
  type: z.string().min(1),
  budget_tokens: z.number().int().positive().nullish(),
});

export const messagesRequestSchema = z.looseObject({
  // Echoed in every response and log record, so bounded.
  model: z.string().min(1).max(256),
  max_tokens: z.number().int().positive(),
  messages: z.array(message).min(1).max(10_000),
  system: z.union([z.string(), z.array(textBlock)]).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().nonnegative().nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: toolChoice.nullish(),
  metadata: z.looseObject({ user_id: z.string().max(256).nullish() }).nullish(),
  thinking: thinking.nullish(),
  service_tier: z.string().max(32).nullish(),
  output_config: z.looseObject({ effort: z.string().max(32).nullish() }).nullish(),
  /** Infe's own per-request options (never sent upstream). */
  infe: requestOverridesSchema.nullish(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type MessagesBlock = z.infer<typeof block>;

export function parseMessagesRequest(body: unknown): MessagesRequest {
  const parsed = messagesRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error);
}

/** `POST /v1/messages/count_tokens` takes the same body without the output cap. */
export const countTokensRequestSchema = messagesRequestSchema.extend({
  max_tokens: z.number().int().positive().nullish(),
});

export function parseCountTokensRequest(body: unknown): z.infer<typeof countTokensRequestSchema> {
  const parsed = countTokensRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error);
}
