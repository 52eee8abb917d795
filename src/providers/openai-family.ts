import type { OpenAICompatibleEntry } from './openai-compatible';

/**
 * Every provider that speaks the OpenAI dialect. Adding one is adding an entry here; the
 * behaviour lives once, in openai-compatible.ts. Model lists are defaults for `/v1/models`
 * (`<PROVIDER>_MODELS` replaces them); any model name is still passed through on request.
 */
export const OPENAI_FAMILY: readonly OpenAICompatibleEntry[] = [
  {
    id: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    models: ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini'],
    maxTokensField: 'max_completion_tokens',
    forwardHeaders: ['openai-organization', 'openai-project'],
    responses: true,
  },
  {
    id: 'groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    models: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant'],
  },
  { id: 'cerebras', baseUrl: 'https://api.cerebras.ai/v1', models: ['llama-3.3-70b', 'llama3.1-8b'] },
  {
    id: 'together',
    baseUrl: 'https://api.together.xyz/v1',
    models: ['meta-llama/Llama-3.3-70B-Instruct-Turbo'],
  },
  {
    id: 'fireworks',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    models: ['accounts/fireworks/models/llama-v3p3-70b-instruct'],
  },
  {
    id: 'deepseek',
    baseUrl: 'https://api.deepseek.com/v1',
    models: ['deepseek-chat', 'deepseek-reasoner'],
    // Chat prefix completion: `prefix: true` on the last (assistant) message, served by the beta API only.
    continuation: { via: 'prefix-flag' },
    continuationBaseUrl: 'https://api.deepseek.com/beta',
  },
  {
    id: 'mistral',
    baseUrl: 'https://api.mistral.ai/v1',
    models: ['mistral-large-latest', 'mistral-small-latest'],
    streamUsage: false,
    // `prefix: true` on the last assistant message; its reply begins with that prefix.
    continuation: { via: 'prefix-flag', echoesPrefix: true },
  },
  {
    id: 'openrouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    models: ['openai/gpt-4o-mini'],
    // OpenRouter's app attribution.
    forwardHeaders: ['http-referer', 'x-title'],
  },
  // Any OpenAI-compatible server you run: set LOCAL_BASE_URL (e.g. http://127.0.0.1:8000/v1 for vLLM),
  // and LOCAL_RESPONSES_API=true when it serves /responses too.
  // Its headers are whatever the server defines: the OpenAI ones, as OpenAI-compatible servers read them.
  // Continuation: vLLM's `continue_final_message` with `add_generation_prompt: false` (llama.cpp's
  // server continues a trailing assistant message by itself and ignores both).
  {
    id: 'local',
    keyOptional: true,
    models: [],
    forwardHeaders: ['openai-organization', 'openai-project'],
    continuation: { via: 'continue-final-message' },
  },
];
