import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env';
import { settingsFor } from '../config/settings';
import { errorResponse, GatewayError } from '../errors/gateway-error';
import { writeRejectedLog } from '../observe/log-sink';
import { receiveBody } from './body-receive';

/**
 * Refuses bodies over MAX_BODY_BYTES with 413, chunked ones too, and bodies still arriving after
 * BODY_READ_TIMEOUT_MS with 408, before any route runs, and records the refusal like any other
 * rejected request (the body, and so the model, is unread). The route then reads the body from
 * memory.
 */
export function requestBodyLimit(): MiddlewareHandler<AppEnv> {
  return async function requestBodyLimitMiddleware(c, next) {
    const body = c.req.raw.body;
    if (!body) return next();
    const { MAX_BODY_BYTES: maxSize, BODY_READ_TIMEOUT_MS: timeoutMs } = settingsFor(c.env);
    const declared = Number(c.req.header('content-length') ?? 0);
    const received = declared > maxSize ? ({ ok: false } as const) : await receiveBody(body, maxSize, timeoutMs);
    if (!received.ok) {
      const error = new GatewayError(413, 'invalid_request_error', `The request body exceeds ${maxSize} bytes.`, {
        code: 'request_too_large',
      });
      const requestId = c.get('requestId');
      writeRejectedLog({ requestId, keyId: null, route: c.req.path }, error, c.env, (promise) =>
        c.executionCtx.waitUntil(promise),
      );
      return errorResponse(error, { 'x-request-id': requestId });
    }
    c.req.raw = new Request(c.req.raw, { body: received.body });
    return next();
  };
}

/** Cross-origin browsers are served only from CORS_ORIGINS (comma-separated); none by default. */
export function configuredCors(): MiddlewareHandler<AppEnv> {
  return async function configuredCorsMiddleware(c, next) {
    const origins = settingsFor(c.env).CORS_ORIGINS;
    if (origins.length === 0) return next();
    return cors({
      origin: origins,
      allowHeaders: [
        'authorization',
        'content-type',
        'x-api-key',
        'last-event-id',
        'x-infe-annotations',
        'anthropic-version',
      ],
      exposeHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    })(c, next);
  };
}
