import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { admit } from '../auth/admission';
import { CHARS_PER_TOKEN } from '../config/chars-per-token';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import { registryFor } from '../providers/registry';
import { resolveTargets } from '../routing/resolve-targets';
import { forwardableHeaders } from '../schema/client-origin';
import { parseCountTokensRequest } from '../schema/messages-request';
import { readJson } from '../schema/read-json';
import { logRejected } from './serve-chat';

/**
 * `POST /v1/messages/count_tokens`. The first target of the model (or alias) counts when its
 * provider can (Anthropic: forwarded as sent); for any other provider the answer is an
 * estimate at the gateway's usual ~4 characters per token over the text the model would read,
 * marked `x-infe-estimate: true` (README, Compatibility).
 */
export async function countTokens(c: Context<AppEnv>): Promise<Response> {
  const route = '/v1/messages/count_tokens';
  const request = await readJson(c.req.raw)
    .then(parseCountTokensRequest)
    .catch((error) => logRejected(c, route, error));
  const [target] = resolveTargets(request.model, settingsFor(c.env));
  if (!target)
    throw new GatewayError(502, 'upstream_error', 'No provider could serve the request.', { code: 'no_target' });
  await admit(c, { model: request.model, holdsStream: false });
  const provider = registryFor(c.env).get(target.providerId);
  const requestId = c.get('requestId');
  if (provider.countTokens) {
    const upstream = await provider.countTokens(
      request,
      target.model,
      forwardableHeaders(c.req.raw.headers),
      c.req.raw.signal,
    );
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
    if (upstream.requestId) headers['x-infe-upstream-request-id'] = upstream.requestId;
    return new Response(upstream.body, { headers });
  }
  const { system, messages, tools } = request;
  const chars = JSON.stringify({ system, messages, tools }).length;
  return Response.json(
    { input_tokens: Math.ceil(chars / CHARS_PER_TOKEN) },
    { headers: { 'x-request-id': requestId, 'x-infe-estimate': 'true' } },
  );
}
