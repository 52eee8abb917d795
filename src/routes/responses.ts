import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import type { ClientFormat } from '../encoders/encoder';
import { responsesErrorResponse } from '../encoders/responses-error';
import { createResponsesCollector, type ResponseObject, responseShell } from '../encoders/responses-object';
import { createResponsesSseEncoder } from '../encoders/responses-sse';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import type { BackgroundJob } from '../responses/background-serve';
import { storedInput } from '../responses/response-store';
import type { ResponseThread } from '../responses/responses-do';
import type { ChatRequest } from '../schema/chat-request';
import { forwardableHeaders, ORIGIN } from '../schema/client-origin';
import { readJson } from '../schema/read-json';
import {
  conversationId,
  type InputItem,
  parseResponsesRequest,
  type ResponsesRequest,
} from '../schema/responses-request';
import { inputItems, toChatRequest } from '../schema/responses-to-chat';
import { responsesUpstreamBody } from '../schema/responses-upstream';
import { SSE_HEADERS } from '../stream/sse-headers';
import { listPage, listParams, responsesStore } from './responses-store';
import { logRejected, serveChat } from './serve-chat';

const ROUTE = '/v1/responses';

/**
 * Opt-in for clients that always send hosted tools (Codex sends `web_search` and tool
 * namespaces): those are left out, and listed in `x-infe-dropped-params`, instead of a 400.
 */
export const DROP_TOOLS_HEADER = 'x-infe-drop-unsupported-tools';

const notFound = (id: string, param: string) =>
  new GatewayError(404, 'not_found_error', `No response with id '${id.slice(0, 256)}'.`, {
    code: 'response_not_found',
    param,
  });

/** A background response's events, live or replayed, as the stream of a `stream: true` request. */
function sseResponse(c: Context<AppEnv>, body: ReadableStream<Uint8Array> | undefined): Response {
  return new Response(body, {
    headers: { ...SSE_HEADERS, 'x-request-id': c.get('requestId') },
  });
}

const dropsTools = (c: Context<AppEnv>) => /^(1|true)$/i.test(c.req.header(DROP_TOOLS_HEADER) ?? '');

/** The chat request, or the request's rejection, logged like any other. */
function translate(
  c: Context<AppEnv>,
  request: ResponsesRequest,
  context: InputItem[],
  dropped: string[],
): ChatRequest {
  const dropUnsupportedTools = dropsTools(c);
  try {
    return toChatRequest(request, context, { dropUnsupportedTools, dropped });
  } catch (error) {
    return logRejected(c, ROUTE, error);
  }
}

function withDropped(response: Response, dropped: readonly string[]): Response {
  if (dropped.length > 0) response.headers.set('x-infe-dropped-params', dropped.join(', '));
  return response;
}

/** Hands a background response to the key's object, which runs it; answers with it queued, or its stream. */
async function startBackground(
  c: Context<AppEnv>,
  request: ResponsesRequest,
  job: BackgroundJob,
  input: InputItem[],
  thread: ResponseThread,
): Promise<Response> {
  const stub = responsesStore(c);
  if (!stub)
    throw new GatewayError(503, 'server_error', 'Background responses need the RESPONSES binding.', {
      code: 'no_storage',
    });
  const queued = await stub.startBackground(job, input, thread);
  if (!request.stream) return c.body(queued, 200, { 'content-type': 'application/json' });
  return sseResponse(c, await stub.stream(job.shell.id, -1));
}

async function parse(c: Context<AppEnv>): Promise<ResponsesRequest> {
  return parseResponsesRequest(await readJson(c.req.raw));
}

/** What the request continues: a stored response's chain, or a conversation's items. */
async function contextOf(c: Context<AppEnv>, request: ResponsesRequest): Promise<InputItem[]> {
  const previousId = request.previous_response_id;
  const conversation = conversationId(request);
  if (previousId) {
    const context = await responsesStore(c)?.context(previousId);
    if (!context) throw notFound(previousId, 'previous_response_id');
    return JSON.parse(context) as InputItem[];
  }
  if (!conversation) return [];
  const items = await responsesStore(c)?.conversationItems(conversation);
  if (!items)
    throw new GatewayError(404, 'not_found_error', `No conversation with id '${conversation.slice(0, 256)}'.`, {
      code: 'conversation_not_found',
      param: 'conversation',
    });
  return JSON.parse(items) as InputItem[];
}

/**
 * The OpenAI Responses API over every provider: the request becomes the internal chat request,
 * served by the one spine (`serveChat`), and the gateway's events are rendered as Responses
 * events. With `store` (the default), the final response and its input are kept in the key's
 * Responses object, written as the stream ends, for `previous_response_id` and the id routes.
 */
export const responses = new Hono<AppEnv>()
  .post('/', async (c) => {
    const request = await parse(c).catch((error) => logRejected(c, ROUTE, error));
    const context = await contextOf(c, request).catch((error) => logRejected(c, ROUTE, error));
    const dropped: string[] = [];
    const chat = translate(c, request, context, dropped);
    // A provider that serves /responses gets this instead of the translation (src/providers/openai-compatible.ts).
    const upstream = responsesUpstreamBody(request, context, dropsTools(c));
    chat[ORIGIN] = {
      responses: upstream,
      headers: forwardableHeaders(c.req.raw.headers),
    };
    const id = `resp_${crypto.randomUUID().replaceAll('-', '')}`;
    const ids = id.slice(5);
    // A conversation keeps its items whatever `store` says, as OpenAI's does.
    const conversation = conversationId(request) ?? null;
    const store = request.store === false && !conversation ? undefined : responsesStore(c);
    const input = storedInput(inputItems(request.input), id);
    const thread = { previousId: request.previous_response_id ?? null, conversationId: conversation };
    const onFinal = (response: ResponseObject) => {
      if (!store) return;
      const put = store.put(response, input, thread);
      c.executionCtx.waitUntil(Promise.resolve(put).catch(() => {}));
    };
    const shell = responseShell(request, id, Math.floor(Date.now() / 1000));
    if (request.background) {
      const job = {
        chat,
        upstream,
        shell,
        ids,
        requestId: c.get('requestId'),
        keyId: c.get('keyId') ?? null,
        apiKey: c.get('apiKey') ?? null,
      };
      return withDropped(await startBackground(c, request, job, input, thread), dropped);
    }
    const format: ClientFormat = {
      route: ROUTE,
      encoder: () => createResponsesSseEncoder(shell, ids, onFinal),
      collector: () => createResponsesCollector(shell, ids, onFinal),
      errorResponse: responsesErrorResponse,
    };
    return withDropped(await serveChat(c, chat, format, { emitMetrics: false }), dropped);
  })
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    if (c.req.query('stream') === 'true') {
      const after = Number(c.req.query('starting_after') ?? -1);
      if (!Number.isInteger(after) || after < -1)
        throw invalidRequest("'starting_after' must be a sequence number.", 'starting_after');
      const stream = await responsesStore(c)?.stream(id, after);
      if (!stream) throw notFound(id, 'response_id');
      return sseResponse(c, stream);
    }
    const stored = await responsesStore(c)?.get(id);
    if (!stored) throw notFound(id, 'response_id');
    return c.body(stored.response, 200, { 'content-type': 'application/json' });
  })
  .post('/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const cancelled = await responsesStore(c)?.cancel(id);
    if (!cancelled) throw notFound(id, 'response_id');
    return c.body(cancelled, 200, { 'content-type': 'application/json' });
  })
  .delete('/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await responsesStore(c)?.delete(id))) throw notFound(id, 'response_id');
    return c.json({ id, object: 'response', deleted: true });
  })
  .get('/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const page = listParams(c);
    const stored = await responsesStore(c)?.get(id);
    if (!stored) throw notFound(id, 'response_id');
    return c.json(listPage(JSON.parse(stored.input) as InputItem[], page));
  });
