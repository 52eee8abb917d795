import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { callerOf } from '../auth/admission';
import type { ClientFormat } from '../encoders/encoder';
import { asGatewayError } from '../errors/gateway-error';
import { writeRejectedLog } from '../observe/log-sink';
import type { ChatRequest } from '../schema/chat-request';
import { type ServeOptions, serve } from '../spine/serve';

/** A request refused before it could be served (bad JSON, a wrong field) still gets its record. */
export function logRejected(c: Context<AppEnv>, route: string, error: unknown): never {
  writeRejectedLog(
    { requestId: c.get('requestId'), clientRequestId: c.get('clientRequestId'), keyId: c.get('keyId') ?? null, route },
    asGatewayError(error),
    c.env,
    (promise) => c.executionCtx.waitUntil(promise),
  );
  throw error;
}

/**
 * The spine's `serve` for an HTTP route: the request id and key the middleware set, the
 * Worker's env and execution context, and the client's disconnect as the request's signal.
 * Every HTTP dialect's route is a thin adapter over this: it parses its dialect into a
 * ChatRequest and hands its encoders in `format`.
 */
export function serveChat(
  c: Context<AppEnv>,
  request: ChatRequest,
  format: ClientFormat,
  options: ServeOptions,
): Promise<Response> {
  const input = {
    ...callerOf(c),
    requestId: c.get('requestId'),
    clientRequestId: c.get('clientRequestId'),
    keyId: c.get('keyId') ?? null,
    signal: c.req.raw.signal,
    cacheControl: c.req.header('cache-control'),
  };
  return serve(input, request, format, options);
}
