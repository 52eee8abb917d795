import * as z from 'zod';
import type { ClientOrigin } from './client-origin';
import { requestOverridesSchema } from './request-overrides';
import { taggedObject } from './tagged-object';

/**
 * The OpenAI Chat Completions request as the gateway accepts it: what providers accept. The
 * fields the gateway reads are validated (a bad value is a 400 naming it); every other field,
 * message field and content-part type is kept as sent, so a same-dialect provider receives it
 * and a translation can apply its per-provider policy to it (src/providers/param-policy.ts).
 * `null` means "not set" for every optional field, as in OpenAI's API.
 */
const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({
    url: z.string().min(1),
    detail: z.enum(['auto', 'low', 'high']).nullish(),
  }),
});
/** Also `input_audio`, `file` and whatever comes next: a provider may take it; the gateway does not read it. */
const part = taggedObject({ text: textPart, image_url: imagePart });

const textContent = z.union([z.string(), z.array(part).min(1)]);
const userContent = textContent;

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const name = z.string().max(256).nullish();
const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: textContent, name }),
  z.looseObject({ role: z.literal('developer'), content: textContent, name }),
  z.looseObject({ role: z.literal('user'), content: userContent, name }),
  z.looseObject({
    role: z.literal('assistant'),
    content: textContent.nullish(),
    name,
    tool_calls: z.array(toolCall).nullish(),
    refusal: z.string().nullish(),
  }),
  z.looseObject({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
]);

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().min(1),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const chatRequestSchema = z.looseObject({
  // Echoed in every response and log record, so bounded.
  model: z.string().min(1).max(256),
  messages: z.array(message).min(1).max(10_000),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  tools: z.array(tool).max(128).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  user: z.string().max(256).nullish(),
  // Values grow with new models ('none', 'xhigh'); a translation refuses one it cannot map.
  reasoning_effort: z.string().max(32).nullish(),
  top_k: z.number().int().nonnegative().nullish(),
  /** Infe's own per-request options (never sent upstream). */
  infe: requestOverridesSchema.nullish(),
  // Several choices: relayed per choice; a content stage that cannot run per choice refuses it
  // by name (build-pipeline), and a provider without `n` by the translation policy.
  n: z.number().int().min(1).max(128).nullish(),
});

/** The parsed request, plus where it came from (set by the routes, never by the client). */
export type ChatRequest = z.infer<typeof chatRequestSchema> & ClientOrigin;
export type ChatMessage = ChatRequest['messages'][number];
export type UserContent = Extract<ChatMessage, { role: 'user' }>['content'];

/** The output-token cap under either of its names (`max_completion_tokens` wins, as in OpenAI's API). */
export function maxOutputTokens(request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

/** Flattens text parts; other parts are a provider concern and handled by each adapter. */
export function textOf(content: string | ReadonlyArray<{ type: string; text?: unknown }> | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
