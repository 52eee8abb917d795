import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { anthropicErrorResponse } from '../encoders/anthropic-error';
import { createAnthropicMessageCollector } from '../encoders/anthropic-message';
import { createAnthropicSseEncoder } from '../encoders/anthropic-sse';
import type { ClientFormat } from '../encoders/encoder';
import { asGatewayError, GatewayError, upstreamIdHeader } from '../errors/gateway-error';
import type { ChatRequest } from '../schema/chat-request';
import { forwardableHeaders, ORIGIN } from '../schema/client-origin';
import { parseMessagesRequest } from '../schema/messages-request';
import { toChatRequest } from '../schema/messages-to-chat';
import { ParamPolicy } from '../schema/param-policy';
import { readJson } from '../schema/read-json';
import { countTokens } from './count-tokens';
import { logRejected, serveChat } from './serve-chat';

/** Anthropic's error shape, with the provider's request id when it named one. */
function errorResponse(error: GatewayError, requestId: string): Response {
  const response = anthropicErrorResponse(error, requestId);
  for (const [name, value] of Object.entries(upstreamIdHeader(error))) response.headers.set(name, value);
  return response;
}

const anthropicFormat: ClientFormat = {
  route: '/v1/messages',
  encoder: createAnthropicSseEncoder,
  collector: createAnthropicMessageCollector,
  errorResponse,
};

/**
 * The request as the stages and logs read it (OpenAI-shaped), carrying the body as sent: the
 * Anthropic provider forwards that body, any other provider translates it under its own policy.
 */
async function parseRequest(c: Context<AppEnv>): Promise<ChatRequest> {
  const body = parseMessagesRequest(await readJson(c.req.raw));
  const request = toChatRequest(body, new ParamPolicy('gateway', true));
  request[ORIGIN] = { anthropic: body, headers: forwardableHeaders(c.req.raw.headers) };
  return request;
}

/**
 * The Anthropic Messages API over any provider, so Anthropic SDK clients can use them all. This
 * route's failures, validation included, answer in Anthropic's error shape, which those SDKs
 * parse. (The app-wide body limit answers 413 in the OpenAI shape; the SDKs classify by status.)
 */
export const messages = new Hono<AppEnv>()
  .post('/', async (c) => {
    const request = await parseRequest(c).catch((error) => logRejected(c, '/v1/messages', error));
    return serveChat(c, request, anthropicFormat, { emitMetrics: false });
  })
  .post('/count_tokens', countTokens)
  .onError((error, c) => {
    if (!(error instanceof GatewayError))
      console.error(JSON.stringify({ type: 'unhandled', requestId: c.get('requestId'), name: error.name }));
    return errorResponse(asGatewayError(error), c.get('requestId'));
  });
