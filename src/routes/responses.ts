import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import type { ClientFormat } from '../encoders/encoder';
import { createResponsesCollector, type ResponseObject, responseShell } from '../encoders/responses-object';
import { createResponsesSseEncoder } from '../encoders/responses-sse';
import { errorResponse, GatewayError, invalidRequest } from '../errors/gateway-error';
import { storedInput } from '../responses/response-store';
import { readJson } from '../schema/read-json';
import { type InputItem, parseResponsesRequest, type ResponsesRequest } from '../schema/responses-request';
import { inputItems, toChatRequest } from '../schema/responses-to-chat';
import { logRejected, serveChat } from './serve-chat';

const ROUTE = '/v1/responses';

/** The owner of stored responses while gateway auth is off (one local owner, as for sessions). */
const LOCAL_OWNER = 'local';

const notFound = (id: string, param: string) =>
  new GatewayError(404, 'not_found_error', `No response with id '${id.slice(0, 256)}'.`, {
    code: 'response_not_found',
    param,
  });

/** Chat field names a provider's refusal may carry, as the Responses request calls them. */
const RESPONSES_PARAMS: Record<string, string> = {
  response_format: 'text.format',
  max_completion_tokens: 'max_output_tokens',
  max_tokens: 'max_output_tokens',
  reasoning_effort: 'reasoning.effort',
};

/** The OpenAI error shape, naming the Responses field where the translated request was refused. */
function responsesErrorResponse(error: GatewayError, requestId: string): Response {
  const param = error.param ? RESPONSES_PARAMS[error.param] : undefined;
  const renamed =
    param && error.param
      ? new GatewayError(error.status, error.type, error.message.replaceAll(`'${error.param}'`, `'${param}'`), {
          code: error.code,
          param,
          retryAfter: error.retryAfter,
          retryable: error.retryable,
        })
      : error;
  return errorResponse(renamed, { 'x-request-id': requestId });
}

/** The key's own Responses object: another key's ids are not in it, so they are not found. */
function storeFor(c: Context<AppEnv>) {
  const namespace = c.env.RESPONSES;
  return namespace?.get(namespace.idFromName(c.get('keyId') ?? LOCAL_OWNER));
}

async function parse(c: Context<AppEnv>): Promise<ResponsesRequest> {
  return parseResponsesRequest(await readJson(c.req.raw));
}

async function contextOf(c: Context<AppEnv>, previousId: string | null | undefined): Promise<InputItem[]> {
  if (!previousId) return [];
  const context = await storeFor(c)?.context(previousId);
  if (!context) throw notFound(previousId, 'previous_response_id');
  return context;
}

function listParams(c: Context<AppEnv>) {
  const limit = Number(c.req.query('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw invalidRequest("'limit' must be an integer from 1 to 100.", 'limit');
  const order = c.req.query('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest("'order' must be 'asc' or 'desc'.", 'order');
  return { limit, order, after: c.req.query('after') };
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
    const context = await contextOf(c, request.previous_response_id).catch((error) => logRejected(c, ROUTE, error));
    const chat = (() => {
      try {
        return toChatRequest(request, context);
      } catch (error) {
        return logRejected(c, ROUTE, error);
      }
    })();
    const id = `resp_${crypto.randomUUID().replaceAll('-', '')}`;
    const ids = id.slice(5);
    const store = request.store === false ? undefined : storeFor(c);
    const input = storedInput(inputItems(request.input), id);
    const onFinal = (response: ResponseObject) => {
      if (!store) return;
      const put = store.put(response, input, request.previous_response_id ?? null);
      c.executionCtx.waitUntil(Promise.resolve(put).catch(() => {}));
    };
    const shell = responseShell(request, id, Math.floor(Date.now() / 1000));
    const format: ClientFormat = {
      route: ROUTE,
      encoder: () => createResponsesSseEncoder(shell, ids, onFinal),
      collector: () => createResponsesCollector(shell, ids, onFinal),
      errorResponse: responsesErrorResponse,
    };
    return serveChat(c, chat, format, { emitMetrics: false });
  })
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    if (c.req.query('stream') === 'true')
      throw invalidRequest('Streaming a stored response needs a background response.', 'stream');
    const stored = await storeFor(c)?.get(id);
    if (!stored) throw notFound(id, 'response_id');
    return c.body(stored.response, 200, { 'content-type': 'application/json' });
  })
  .delete('/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await storeFor(c)?.delete(id))) throw notFound(id, 'response_id');
    return c.json({ id, object: 'response', deleted: true });
  })
  .get('/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const { limit, order, after } = listParams(c);
    const stored = await storeFor(c)?.get(id);
    if (!stored) throw notFound(id, 'response_id');
    const input = JSON.parse(stored.input) as InputItem[];
    const items = order === 'asc' ? input : input.reverse();
    const start = after ? items.findIndex((item) => item.id === after) + 1 : 0;
    const data = items.slice(start, start + limit);
    return c.json({
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
      has_more: start + limit < items.length,
    });
  });
