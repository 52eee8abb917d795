import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { anthropicErrorResponse } from '../encoders/anthropic-error';
import { createAnthropicMessageCollector } from '../encoders/anthropic-message';
import { createAnthropicSseEncoder } from '../encoders/anthropic-sse';
import type { ClientFormat } from '../encoders/encoder';
import { asGatewayError, GatewayError } from '../errors/gateway-error';
import { type MessagesRequest, parseMessagesRequest, toChatRequest } from '../schema/messages-request';
import { readJson } from '../schema/read-json';
import { logRejected, serveChat } from './serve-chat';

const anthropicFormat: ClientFormat = {
  route: '/v1/messages',
  encoder: createAnthropicSseEncoder,
  collector: createAnthropicMessageCollector,
  errorResponse: anthropicErrorResponse,
};

async function parseRequest(c: Context<AppEnv>): Promise<MessagesRequest> {
  return parseMessagesRequest(await readJson(c.req.raw));
}

/**
 * The Anthropic Messages API over any provider, so Anthropic SDK clients can use them all. This
 * route's failures, validation included, answer in Anthropic's error shape, which those SDKs
 * parse. (The app-wide body limit answers 413 in the OpenAI shape; the SDKs classify by status.)
 */
export const messages = new Hono<AppEnv>()
  .post('/', async (c) => {
    const request = toChatRequest(await parseRequest(c).catch((error) => logRejected(c, '/v1/messages', error)));
    return serveChat(c, request, anthropicFormat, { emitMetrics: false });
  })
  .onError((error, c) => {
    if (!(error instanceof GatewayError))
      console.error(JSON.stringify({ type: 'unhandled', requestId: c.get('requestId'), name: error.name }));
    return anthropicErrorResponse(asGatewayError(error), c.get('requestId'));
  });
