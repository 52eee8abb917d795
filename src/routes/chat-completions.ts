import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import type { ClientFormat, Encoder, ResponseMeta } from '../encoders/encoder';
import { createNdjsonEncoder } from '../encoders/ndjson';
import { createCompletionAccumulator } from '../encoders/openai-completion';
import { createOpenAISseEncoder } from '../encoders/openai-sse';
import { createTextEncoder } from '../encoders/text';
import { errorResponse } from '../errors/gateway-error';
import { type ChatRequest, chatRequestSchema } from '../schema/chat-request';
import { forwardableHeaders, ORIGIN } from '../schema/client-origin';
import { readJson } from '../schema/read-json';
import { validationError } from '../schema/validation-error';
import { logRejected, serveChat } from './serve-chat';

async function parseRequest(c: Context<AppEnv>): Promise<ChatRequest> {
  const parsed = chatRequestSchema.safeParse(await readJson(c.req.raw));
  if (!parsed.success) throw validationError(parsed.error);
  return { ...parsed.data, [ORIGIN]: { headers: forwardableHeaders(c.req.raw.headers) } };
}

/** Clients that want the gateway's annotations (guard actions, partial objects, metrics) ask with this header. */
export const ANNOTATIONS_HEADER = 'x-infe-annotations';

/** The client's most preferred media type (first among equals), lower-cased. */
function preferredType(accept: string): string {
  let best = '';
  let bestQ = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim());
    const q = Number(params.find((param) => param.startsWith('q='))?.slice(2) ?? 1);
    if (q > bestQ) {
      best = type.toLowerCase();
      bestQ = q;
    }
  }
  return best;
}

/**
 * A stream is SSE unless plain text or NDJSON is what the client prefers most: SDKs send
 * `Accept: application/json` (axios adds `text/plain` after it) and must keep getting SSE.
 */
function streamEncoder(meta: ResponseMeta, request: ChatRequest, annotations: boolean, accept: string): Encoder {
  const type = preferredType(accept);
  if (type === 'text/plain') return createTextEncoder();
  if (type === 'application/x-ndjson') return createNdjsonEncoder(meta);
  return createOpenAISseEncoder(meta, request.stream_options?.include_usage === true, annotations);
}

function openAIFormat(request: ChatRequest, annotations: boolean, accept: string): ClientFormat {
  return {
    route: '/v1/chat/completions',
    encoder: (meta) => streamEncoder(meta, request, annotations, accept),
    collector: createCompletionAccumulator,
    errorResponse: (error, requestId) => errorResponse(error, { 'x-request-id': requestId }),
  };
}

export const chatCompletions = new Hono<AppEnv>().post('/', async (c) => {
  const request = await parseRequest(c).catch((error) => logRejected(c, '/v1/chat/completions', error));
  const annotations = /^(1|true)$/i.test(c.req.header(ANNOTATIONS_HEADER) ?? '');
  return serveChat(c, request, openAIFormat(request, annotations, c.req.header('accept') ?? ''), {
    emitMetrics: annotations,
  });
});
