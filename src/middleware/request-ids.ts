import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';

/** A client's own id is recorded beside ours, bounded and in a plain alphabet, never trusted as ours. */
const CLIENT_ID = /^[\w.:=-]{1,128}$/;

/**
 * Every request gets an id of the gateway's own, the request-log key: a client-chosen id would
 * let one caller overwrite or hide another's record (the log ignores a repeated id, because that
 * is how a redelivered Queue message is made harmless). A client's `X-Request-Id` is kept beside
 * it as `clientRequestId`; the response's `X-Request-Id` is always ours.
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  return async function requestIdsMiddleware(c, next) {
    const requestId = crypto.randomUUID();
    c.set('requestId', requestId);
    const client = c.req.header('x-request-id');
    if (client !== undefined && CLIENT_ID.test(client)) c.set('clientRequestId', client);
    c.header('x-request-id', requestId);
    await next();
  };
}
