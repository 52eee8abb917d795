import { envPrefix, envString, modelList } from '../config/env';
import { type ChatRequest, maxOutputTokens } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import type { MessagesRequest } from '../schema/messages-request';
import { toChatRequest } from '../schema/messages-to-chat';
import { ParamPolicy } from '../schema/param-policy';
import { withAssistantPrefix } from './continuation';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';
import type { Continuation, Provider, ProviderDefinition, ProviderEnv } from './provider';
import { createResponsesDecoder } from './responses-decoder';
import { upstreamFetch } from './upstream-fetch';

/** One provider that speaks the OpenAI Chat Completions dialect, described rather than coded. */
export interface OpenAICompatibleEntry {
  id: string;
  /** Default base URL; `<PROVIDER>_BASE_URL` overrides it. Without one the base URL is required. */
  baseUrl?: string;
  /** Servers you run yourself (vLLM, Ollama) often need no key; then the base URL enables them. */
  keyOptional?: boolean;
  models: readonly string[];
  /** Servers that reject `stream_options` cannot report usage while streaming. */
  streamUsage?: boolean;
  /** OpenAI renamed `max_tokens`; most compatible servers only know the old name. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Client request headers this provider defines, forwarded as sent (lower-case names). */
  forwardHeaders?: readonly string[];
  /** Serves `POST /responses`: Responses traffic goes there as sent (`<PROVIDER>_RESPONSES_API` says so too). */
  responses?: boolean;
  /** Continues a reply from an assistant prefix (`prefix-flag` or `continue-final-message`). */
  continuation?: Continuation & { via: 'prefix-flag' | 'continue-final-message' };
  /** Where continuations go when `<PROVIDER>_BASE_URL` is not set (DeepSeek serves `prefix` only on its beta API). */
  continuationBaseUrl?: string;
}

/** The chat body continuing after `prefix`, with the provider's switch. */
function continuationBody(body: Record<string, unknown>, prefix: string, entry: OpenAICompatibleEntry) {
  if (entry.continuation?.via === 'prefix-flag') {
    return { ...body, messages: withAssistantPrefix(body.messages, prefix, { prefix: true }) };
  }
  // vLLM's (and llama.cpp's) chat template leaves the last assistant message open instead of closing it.
  const messages = withAssistantPrefix(body.messages, prefix);
  return { ...body, messages, continue_final_message: true, add_generation_prompt: false };
}

/**
 * The request body for an OpenAI-dialect provider. An OpenAI request goes as the client sent it
 * (every field, known or not), changed only where the gateway must: the provider's model id,
 * `stream: true`, usage while streaming merged into the client's own `stream_options`, the
 * output cap under the name this provider knows, and no `infe`. A `/v1/messages` request is
 * translated field by field, under `policy`.
 */
export function openAICompatibleBody(
  request: ChatRequest,
  model: string,
  entry: OpenAICompatibleEntry,
  policy = new ParamPolicy(entry.id, request.infe?.drop_unsupported_params === true),
): Record<string, unknown> {
  const native = request[ORIGIN]?.anthropic;
  const source = native ? toChatRequest(native as MessagesRequest, policy) : request;
  const { infe: _gatewayOnly, max_tokens: _, max_completion_tokens: __, ...fields } = source;
  const body: Record<string, unknown> = { ...fields, model, stream: true };
  const maxTokens = maxOutputTokens(source);
  if (maxTokens !== undefined) body[entry.maxTokensField ?? 'max_tokens'] = maxTokens;
  // Always ask for usage: the log needs it even when the client did not.
  if (entry.streamUsage !== false) body.stream_options = { ...source.stream_options, include_usage: true };
  return body;
}

export function openAICompatibleDefinition(entry: OpenAICompatibleEntry): ProviderDefinition {
  const prefix = envPrefix(entry.id);
  return {
    id: entry.id,
    requiredVariable: entry.keyOptional ? `${prefix}_BASE_URL` : `${prefix}_API_KEY`,
    create: (env) => createOpenAICompatibleProvider(entry, env),
  };
}

function createOpenAICompatibleProvider(entry: OpenAICompatibleEntry, env: ProviderEnv): Provider | undefined {
  const prefix = envPrefix(entry.id);
  const apiKey = envString(env, `${prefix}_API_KEY`);
  const explicitBaseUrl = envString(env, `${prefix}_BASE_URL`);
  const baseUrl = (explicitBaseUrl ?? entry.baseUrl)?.replace(/\/+$/, '');
  const continueUrl = (explicitBaseUrl ?? entry.continuationBaseUrl ?? baseUrl)?.replace(/\/+$/, '');
  const enabled = entry.keyOptional ? explicitBaseUrl !== undefined : apiKey !== undefined;
  if (!enabled || !baseUrl) return undefined;

  const servesResponses = entry.responses === true || envString(env, `${prefix}_RESPONSES_API`) === 'true';
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  return {
    id: entry.id,
    models: modelList(env, entry.id, entry.models),
    continuation: entry.continuation,
    async open(request, model, signal, continueFrom) {
      const policy = new ParamPolicy(entry.id, request.infe?.drop_unsupported_params === true);
      // A continuation is a chat request: the Responses API has no assistant prefix.
      const continueAfter = entry.continuation ? continueFrom : undefined;
      const native = servesResponses && continueAfter === undefined ? request[ORIGIN]?.responses : undefined;
      let fields = native ? { ...native, model } : openAICompatibleBody(request, model, entry, policy);
      if (continueAfter !== undefined) fields = continuationBody(fields, continueAfter, entry);
      const body = JSON.stringify(fields);
      const client = request[ORIGIN]?.headers ?? {};
      const forwarded = Object.fromEntries(
        (entry.forwardHeaders ?? []).flatMap((name) => {
          const value = client[name];
          return value === undefined ? [] : [[name, value]];
        }),
      );
      const base = continueAfter === undefined ? baseUrl : continueUrl;
      const upstream = await upstreamFetch(entry.id, `${base}/${native ? 'responses' : 'chat/completions'}`, {
        headers: { ...forwarded, ...headers },
        body,
        signal,
      });
      const decoder = native ? createResponsesDecoder() : createOpenAIChunkDecoder();
      return { ...upstream, decoder, dropped: policy.dropped };
    },
  };
}
