import { envString, modelList } from '../config/env';
import { ORIGIN } from '../schema/client-origin';
import { ParamPolicy } from '../schema/param-policy';
import { createAnthropicDecoder } from './anthropic-decoder';
import { anthropicBody } from './anthropic-request';
import { sentPrefix, withAssistantPrefix } from './continuation';
import type { Continuation, ProviderDefinition } from './provider';
import { upstreamFetch } from './upstream-fetch';

const API_VERSION = '2023-06-01';
/** A trailing assistant message is a prefill the reply continues; it may not end in whitespace. */
const CONTINUATION: Continuation = { via: 'trailing-assistant', trimsTrailingWhitespace: true };
/** Headers Anthropic defines that a client may set: its API version and beta features. */
const CLIENT_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

/** A `/v1/messages` body as sent, minus the gateway's own `infe`, for this provider's model id. */
function nativeBody(native: Record<string, unknown>, model: string): Record<string, unknown> {
  const { infe: _gatewayOnly, ...fields } = native;
  return { ...fields, model, stream: true };
}

export const anthropic: ProviderDefinition = {
  id: 'anthropic',
  requiredVariable: 'ANTHROPIC_API_KEY',
  create(env) {
    const apiKey = envString(env, 'ANTHROPIC_API_KEY');
    if (!apiKey) return undefined;
    const baseUrl = (envString(env, 'ANTHROPIC_BASE_URL') ?? 'https://api.anthropic.com/v1').replace(/\/+$/, '');
    const base = { 'content-type': 'application/json', 'anthropic-version': API_VERSION };
    const headersFor = (client: Readonly<Record<string, string>> = {}) => {
      const headers: Record<string, string> = { ...base };
      for (const name of CLIENT_HEADERS) if (client[name] !== undefined) headers[name] = client[name];
      // Set last: no client header can replace the gateway's key.
      headers['x-api-key'] = apiKey;
      return headers;
    };
    return {
      id: 'anthropic',
      models: modelList(env, 'anthropic', ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1']),
      continuation: CONTINUATION,
      async open(request, model, signal, continueFrom) {
        const origin = request[ORIGIN];
        const policy = new ParamPolicy('anthropic', request.infe?.drop_unsupported_params === true);
        // Built before the fetch so a request this provider cannot express fails without a call.
        const fields = origin?.anthropic ? nativeBody(origin.anthropic, model) : anthropicBody(request, model, policy);
        const prefix = continueFrom === undefined ? '' : sentPrefix(CONTINUATION, continueFrom);
        if (prefix) fields.messages = withAssistantPrefix(fields.messages, prefix);
        const body = JSON.stringify(fields);
        const headers = { ...headersFor(origin?.headers), accept: 'text/event-stream' };
        const upstream = await upstreamFetch('anthropic', `${baseUrl}/messages`, { headers, body, signal });
        return { ...upstream, decoder: createAnthropicDecoder(), dropped: policy.dropped };
      },
      countTokens(body, model, clientHeaders, signal) {
        const { infe: _gatewayOnly, ...fields } = body;
        const init = { headers: headersFor(clientHeaders), body: JSON.stringify({ ...fields, model }), signal };
        return upstreamFetch('anthropic', `${baseUrl}/messages/count_tokens`, init);
      },
    };
  },
};
