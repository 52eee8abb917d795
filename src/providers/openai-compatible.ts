import { envPrefix, envString, modelList } from '../config/env';
import { type ChatRequest, maxOutputTokens } from '../schema/chat-request';
import { createOpenAIChunkDecoder } from './openai-chunk-decoder';
import type { Provider, ProviderDefinition, ProviderEnv } from './provider';
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
}

/** Fields forwarded as they are: each means the same thing across the OpenAI dialect. */
const PASSTHROUGH = [
  'messages',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'user',
] as const satisfies ReadonlyArray<keyof ChatRequest>;

export function openAICompatibleBody(request: ChatRequest, model: string, entry: OpenAICompatibleEntry) {
  const body: Record<string, unknown> = { model, stream: true };
  for (const field of PASSTHROUGH) {
    if (request[field] !== undefined && request[field] !== null) body[field] = request[field];
  }
  const maxTokens = maxOutputTokens(request);
  if (maxTokens !== undefined) body[entry.maxTokensField ?? 'max_tokens'] = maxTokens;
  // Always ask for usage: the log needs it even when the client did not.
  if (entry.streamUsage !== false) body.stream_options = { include_usage: true };
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
  const enabled = entry.keyOptional ? explicitBaseUrl !== undefined : apiKey !== undefined;
  if (!enabled || !baseUrl) return undefined;

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;

  return {
    id: entry.id,
    models: modelList(env, entry.id, entry.models),
    async open(request, model, signal) {
      const body = await upstreamFetch(entry.id, `${baseUrl}/chat/completions`, {
        headers,
        body: JSON.stringify(openAICompatibleBody(request, model, entry)),
        signal,
      });
      return { body, decoder: createOpenAIChunkDecoder() };
    },
  };
}
