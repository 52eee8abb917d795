import { modelList } from '../config/env';
import { upstreamNetworkError } from '../errors/upstream';
import { type ChatRequest, maxOutputTokens, textOf } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import type { MessagesRequest } from '../schema/messages-request';
import { toChatRequest } from '../schema/messages-to-chat';
import { ParamPolicy, refuseUnhandled, TRANSLATED_FIELDS } from '../schema/param-policy';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';
import type { ProviderDefinition } from './provider';

/**
 * Fields Workers AI's text-generation models take under the same names and meaning. Anything
 * else (`stop`, `tool_choice`, `user`, `logprobs`, …) goes to the policy: a 400 naming it, or a
 * listed drop (README, Compatibility).
 */
const SAME = ['temperature', 'top_p', 'top_k', 'seed', 'repetition_penalty', 'presence_penalty', 'frequency_penalty'];
const HANDLED = new Set([...SAME, ...TRANSLATED_FIELDS]);

const TEXT_PART = new Set(['type', 'text']);

/** Workers AI takes plain-text messages; a part that is not text has no equivalent there. */
function textMessages(request: ChatRequest, policy: ParamPolicy) {
  return request.messages.map((message, index) => {
    refuseUnhandled(message, new Set(['role', 'content', 'tool_call_id', 'tool_calls']), policy, `messages[${index}].`);
    const { content } = message;
    if (Array.isArray(content)) {
      content.forEach((part, at) => {
        const path = `messages[${index}].content[${at}]`;
        if (part.type !== 'text') policy.unsupported(path);
        else refuseUnhandled(part, TEXT_PART, policy, `${path}.`);
      });
    }
    const role = message.role === 'developer' ? 'system' : message.role;
    return { role, content: textOf(content) };
  });
}

export function workersAIInputs(
  request: ChatRequest,
  policy = new ParamPolicy('workers-ai', request.infe?.drop_unsupported_params === true),
): Record<string, unknown> {
  const source = request[ORIGIN]?.anthropic
    ? toChatRequest(request[ORIGIN].anthropic as MessagesRequest, policy)
    : request;
  refuseUnhandled(source, HANDLED, policy);
  const inputs: Record<string, unknown> = { messages: textMessages(source, policy), stream: true };
  const maxTokens = maxOutputTokens(source);
  if (maxTokens !== undefined) inputs.max_tokens = maxTokens;
  for (const field of SAME) if (source[field] != null) inputs[field] = source[field];
  if (source.response_format != null) inputs.response_format = source.response_format;
  if (source.tools?.length) inputs.tools = source.tools;
  return inputs;
}

/**
 * Workers AI through the `AI` binding: no key and no URL, the binding is the credential.
 * Its stream uses the same SSE framing as OpenAI, so the shared chunk decoder reads it.
 */
export const workersAI: ProviderDefinition = {
  id: 'workers-ai',
  requiredVariable: 'AI (the Workers AI binding in wrangler.jsonc)',
  create(env) {
    const ai = env.AI;
    if (!ai) return undefined;
    return {
      id: 'workers-ai',
      models: modelList(env, 'workers-ai', [
        '@cf/meta/llama-3.3-70b-instruct-fp8-fast',
        '@cf/meta/llama-3.1-8b-instruct',
      ]),
      async open(request, model, signal) {
        const policy = new ParamPolicy('workers-ai', request.infe?.drop_unsupported_params === true);
        const inputs = workersAIInputs(request, policy);
        let result: unknown;
        try {
          result = await (ai.run as (model: string, inputs: unknown) => Promise<unknown>)(model, inputs);
        } catch {
          if (signal.aborted) throw signal.reason;
          throw upstreamNetworkError('workers-ai');
        }
        if (!(result instanceof ReadableStream)) throw upstreamNetworkError('workers-ai');
        return {
          body: result as ReadableStream<Uint8Array>,
          decoder: createOpenAIChunkDecoder(),
          dropped: policy.dropped,
        };
      },
    };
  },
};
