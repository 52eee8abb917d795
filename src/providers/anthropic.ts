import { envString, modelList } from '../config/env';
import { createAnthropicDecoder } from './anthropic-decoder';
import { anthropicBody } from './anthropic-request';
import type { ProviderDefinition } from './provider';
import { upstreamFetch } from './upstream-fetch';

const API_VERSION = '2023-06-01';

export const anthropic: ProviderDefinition = {
  id: 'anthropic',
  requiredVariable: 'ANTHROPIC_API_KEY',
  create(env) {
    const apiKey = envString(env, 'ANTHROPIC_API_KEY');
    if (!apiKey) return undefined;
    const baseUrl = (envString(env, 'ANTHROPIC_BASE_URL') ?? 'https://api.anthropic.com/v1').replace(/\/+$/, '');
    const headers = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'x-api-key': apiKey,
      'anthropic-version': API_VERSION,
    };
    return {
      id: 'anthropic',
      models: modelList(env, 'anthropic', ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1']),
      async open(request, model, signal) {
        // Built before the fetch so a request this provider cannot express fails without a call.
        const body = JSON.stringify(anthropicBody(request, model));
        const stream = await upstreamFetch('anthropic', `${baseUrl}/messages`, { headers, body, signal });
        return { body: stream, decoder: createAnthropicDecoder() };
      },
    };
  },
};
