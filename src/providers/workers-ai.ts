import { modelList } from '../config/env';
import { invalidRequest } from '../errors/gateway-error';
import { upstreamNetworkError } from '../errors/upstream';
import { type ChatRequest, maxOutputTokens, textOf } from '../schema/chat-request';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';
import type { ProviderDefinition } from './provider';

/** Workers AI takes plain-text messages; the options below mean the same as OpenAI's. */
export function workersAIInputs(request: ChatRequest): Record<string, unknown> {
  if (request.stop != null) {
    throw invalidRequest("'stop' is not supported by provider 'workers-ai'.", 'stop', 'unsupported_for_provider');
  }
  const messages = request.messages.map((message, index) => {
    if (
      message.role === 'user' &&
      Array.isArray(message.content) &&
      message.content.some((p) => p.type === 'image_url')
    ) {
      throw invalidRequest(
        "Image parts are not supported by provider 'workers-ai'.",
        `messages[${index}].content`,
        'unsupported_for_provider',
      );
    }
    const role = message.role === 'developer' ? 'system' : message.role;
    return { role, content: textOf(message.content as Parameters<typeof textOf>[0]) };
  });
  const inputs: Record<string, unknown> = { messages, stream: true };
  const maxTokens = maxOutputTokens(request);
  if (maxTokens !== undefined) inputs.max_tokens = maxTokens;
  for (const field of [
    'temperature',
    'top_p',
    'seed',
    'presence_penalty',
    'frequency_penalty',
    'response_format',
  ] as const) {
    if (request[field] != null) inputs[field] = request[field];
  }
  if (request.tools?.length) inputs.tools = request.tools;
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
        const inputs = workersAIInputs(request);
        let result: unknown;
        try {
          result = await (ai.run as (model: string, inputs: unknown) => Promise<unknown>)(model, inputs);
        } catch {
          if (signal.aborted) throw signal.reason;
          throw upstreamNetworkError('workers-ai');
        }
        if (!(result instanceof ReadableStream)) throw upstreamNetworkError('workers-ai');
        return { body: result as ReadableStream<Uint8Array>, decoder: createOpenAIChunkDecoder() };
      },
    };
  },
};
