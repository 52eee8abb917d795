import * as z from 'zod';
import { invalidRequest } from '../errors/gateway-error';
import { requestOverridesSchema } from './request-overrides';
import { validationError } from './validation-error';

/**
 * The OpenAI Responses request (`POST /v1/responses`) as the gateway accepts it. Strict like the
 * chat schema: a field we cannot honour is rejected by name. Item fields that only echo an
 * earlier response back (`id`, `status`, `annotations`) are accepted and carry no meaning here.
 */
const itemStatus = z.enum(['in_progress', 'completed', 'incomplete']).nullable().optional();
const itemId = z.string().max(256).nullable().optional();

const inputText = z.strictObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.strictObject({
  type: z.literal('input_image'),
  image_url: z.string().min(1, 'needs image_url (file_id is not supported by the gateway)'),
  detail: z.enum(['auto', 'low', 'high']).optional(),
  file_id: z.null().optional(),
});
const outputText = z.strictObject({
  type: z.literal('output_text'),
  text: z.string(),
  annotations: z.array(z.unknown()).optional(),
  logprobs: z.array(z.unknown()).optional(),
});
const refusal = z.strictObject({ type: z.literal('refusal'), refusal: z.string() });

const inputPart = z.discriminatedUnion('type', [inputText, inputImage]);
const assistantPart = z.discriminatedUnion('type', [outputText, refusal]);
const messageFields = { type: z.literal('message'), id: itemId, status: itemStatus };

const message = z.discriminatedUnion('role', [
  z.strictObject({ ...messageFields, role: z.literal('user'), content: z.union([z.string(), z.array(inputPart)]) }),
  z.strictObject({
    ...messageFields,
    role: z.enum(['system', 'developer']),
    content: z.union([z.string(), z.array(inputText)]),
  }),
  z.strictObject({
    ...messageFields,
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(assistantPart)]),
    phase: z.string().nullable().optional(),
  }),
]);

const functionCall = z.strictObject({
  type: z.literal('function_call'),
  id: itemId,
  call_id: z.string().min(1).max(256),
  name: z.string().min(1),
  arguments: z.string(),
  status: itemStatus,
});
const functionCallOutput = z.strictObject({
  type: z.literal('function_call_output'),
  id: itemId,
  call_id: z.string().min(1).max(256),
  output: z.union([z.string(), z.array(inputText)]),
  status: itemStatus,
});
const reasoning = z.strictObject({
  type: z.literal('reasoning'),
  id: itemId,
  summary: z.array(z.strictObject({ type: z.literal('summary_text'), text: z.string() })),
  content: z
    .array(z.strictObject({ type: z.literal('reasoning_text'), text: z.string() }))
    .nullable()
    .optional(),
  encrypted_content: z.string().nullable().optional(),
  status: itemStatus,
});

/** Items without a `type` are messages (the SDKs' "easy" input message). */
export const inputItem = z.preprocess(
  (item) =>
    typeof item === 'object' && item !== null && !('type' in item) && 'role' in item
      ? { ...item, type: 'message' }
      : item,
  z.discriminatedUnion('type', [message, functionCall, functionCallOutput, reasoning]),
);

const functionTool = z.strictObject({
  type: z.literal('function'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});
/** Hosted tools (web search, file search, …) only an upstream Responses API could run; refused by the route. */
const otherTool = z.looseObject({ type: z.string().min(1).max(64) });

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), name: z.string().min(1) }),
]);

const textFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullable().optional(),
  }),
]);

/** OpenAI's metadata: at most 16 string pairs, keys up to 64 characters, values up to 512. */
export const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((map) => Object.keys(map).length <= 16, 'at most 16 keys');

export const responsesRequestSchema = z.strictObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem).max(10_000)]),
  instructions: z.string().nullable().optional(),
  tools: z
    .array(z.union([functionTool, otherTool]))
    .max(128)
    .optional(),
  tool_choice: toolChoice.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.strictObject({ format: textFormat.optional() }).optional(),
  reasoning: z
    .strictObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullable().optional(),
    })
    .nullable()
    .optional(),
  max_output_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  metadata: metadata.nullable().optional(),
  truncation: z.enum(['auto', 'disabled']).nullable().optional(),
  // The gateway has no hosted tools, logprobs or encrypted reasoning: every include adds nothing.
  include: z.array(z.string().max(64)).max(16).nullable().optional(),
  store: z.boolean().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.strictObject({ include_obfuscation: z.boolean().optional() }).nullable().optional(),
  previous_response_id: z.string().min(1).max(256).nullable().optional(),
  conversation: z
    .union([z.string().min(1).max(256), z.strictObject({ id: z.string().min(1).max(256) })])
    .nullable()
    .optional(),
  background: z.boolean().nullable().optional(),
  user: z.string().max(256).optional(),
  // Cache and tier hints for OpenAI's own infrastructure: they never change the answer.
  prompt_cache_key: z.string().max(256).nullable().optional(),
  safety_identifier: z.string().max(64).nullable().optional(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority']).nullable().optional(),
  /** Client telemetry (Codex sends its thread and turn ids): kept off the upstream request. */
  client_metadata: z
    .record(z.string().max(64), z.string().max(2048))
    .refine((map) => Object.keys(map).length <= 32, 'at most 32 keys')
    .nullable()
    .optional(),
  /** Infe's own per-request options (never sent upstream). */
  infe: requestOverridesSchema.optional(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** The conversation a request names, as its id. */
export const conversationId = (request: Pick<ResponsesRequest, 'conversation'>) =>
  typeof request.conversation === 'object' ? request.conversation?.id : request.conversation;
export type InputItem = Exclude<ResponsesRequest['input'], string>[number];
export type FunctionTool = z.infer<typeof functionTool>;

/** Parses with a schema and names the first wrong field precisely (see preciseIssue). */
export function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error);
}

export function parseResponsesRequest(body: unknown): ResponsesRequest {
  const request = parseWith(responsesRequestSchema, body);
  if (request.background && request.store === false)
    throw invalidRequest('A background response must be stored: remove store: false.', 'store');
  if (request.conversation && request.previous_response_id) {
    const message = "'conversation' and 'previous_response_id' cannot be used together.";
    throw invalidRequest(message, 'conversation');
  }
  return request;
}
