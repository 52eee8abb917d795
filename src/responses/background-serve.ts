import { Hono } from 'hono';
import type { AppEnv, Bindings } from '../app-env';
import type { ApiKeyRecord } from '../auth/api-key';
import type { ClientFormat } from '../encoders/encoder';
import { responsesErrorResponse } from '../encoders/responses-error';
import { createResponsesCollector, type ResponseObject } from '../encoders/responses-object';
import { createResponsesSseEncoder, type ResponsesSseEncoder } from '../encoders/responses-sse';
import { serveChat } from '../routes/serve-chat';
import type { ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';

/** What the route hands the object to run a background response: the request as the spine takes it, and the caller. */
export interface BackgroundJob {
  chat: ChatRequest;
  /** The Responses body for a provider that serves the API (the chat request's origin does not survive RPC). */
  upstream?: Record<string, unknown>;
  shell: ResponseObject;
  ids: string;
  requestId: string;
  keyId: string | null;
  apiKey: ApiKeyRecord | null;
}

export interface BackgroundServe {
  /** The served stream (or an error response from before it started). */
  response: Promise<Response>;
  /** The stream's encoder, once the spine has made it. */
  encoder(): ResponsesSseEncoder | undefined;
  /** Stops a generation whose connection is still being made. */
  abort: AbortController;
}

/**
 * Runs a background response through the one spine, inside the object that owns it: a one-route
 * app gives `serveChat` the context it reads (request id, key, limits, env) as the gateway's own
 * route would, so admission, routing, the pipeline and the log record are the same code.
 */
export function serveInBackground(
  env: Bindings,
  waitUntil: (promise: Promise<unknown>) => void,
  job: BackgroundJob,
  onFinal: (response: ResponseObject) => void,
): BackgroundServe {
  let encoder: ResponsesSseEncoder | undefined;
  const format: ClientFormat = {
    route: '/v1/responses',
    encoder: () => {
      encoder = createResponsesSseEncoder(job.shell, job.ids, onFinal);
      return encoder;
    },
    collector: () => createResponsesCollector(job.shell, job.ids, onFinal),
    errorResponse: responsesErrorResponse,
  };
  const app = new Hono<AppEnv>().post('/', (c) => {
    c.set('requestId', job.requestId);
    if (job.keyId) c.set('keyId', job.keyId);
    if (job.apiKey) c.set('apiKey', job.apiKey);
    const origin = job.upstream ? { [ORIGIN]: { responses: job.upstream, headers: {} } } : {};
    return serveChat(c, { ...job.chat, stream: true, ...origin }, format, { emitMetrics: false });
  });
  const abort = new AbortController();
  const request = new Request('https://background.infe/', { method: 'POST', signal: abort.signal });
  const ctx = { waitUntil, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return { response: Promise.resolve(app.fetch(request, env, ctx)), encoder: () => encoder, abort };
}
