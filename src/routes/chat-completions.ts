import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import type { ClientFormat } from '../encoders/encoder';
import { createCompletionAccumulator } from '../encoders/openai-completion';
import { createOpenAISseEncoder } from '../encoders/openai-sse';
import { errorResponse, invalidRequest } from '../errors/gateway-error';
import { StageControl } from '../pipeline/stage';
import { type ChatRequest, chatRequestSchema } from '../schema/chat-request';
import { validationError } from '../schema/validation-error';
import { serveChat } from './serve-chat';

async function parseRequest(c: Context<AppEnv>): Promise<ChatRequest> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw invalidRequest('The request body must be valid JSON.', null, 'invalid_json');
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Clients that want the gateway's annotations (guard actions, partial objects, metrics) ask with this header. */
export const ANNOTATIONS_HEADER = 'x-infe-annotations';

function openAIFormat(request: ChatRequest, annotations: boolean): ClientFormat {
  return {
    route: '/v1/chat/completions',
    encoder: (meta) => createOpenAISseEncoder(meta, request.stream_options?.include_usage === true, annotations),
    collector: createCompletionAccumulator,
    errorResponse: (error, requestId) => errorResponse(error, { 'x-request-id': requestId }),
  };
}

export const chatCompletions = new Hono<AppEnv>().post('/', async (c) => {
  const request = await parseRequest(c);
  const annotations = /^(1|true)$/i.test(c.req.header(ANNOTATIONS_HEADER) ?? '');
  return serveChat(c, request, openAIFormat(request, annotations), {
    stages: [],
    control: new StageControl(),
    emitMetrics: annotations,
  });
});
