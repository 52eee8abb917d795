import type { Bindings } from '../app-env';
import type { ApiKeyRecord } from '../auth/api-key';
import type { ClientFormat } from '../encoders/encoder';
import { responsesErrorResponse } from '../encoders/responses-error';
import { createResponsesCollector, type ResponseObject } from '../encoders/responses-object';
import { createResponsesSseEncoder, type ResponsesSseEncoder } from '../encoders/responses-sse';
import { asGatewayError } from '../errors/gateway-error';
import type { ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import { serve } from '../spine/serve';

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
 * Runs a background response through the one spine, inside the object that owns it: `serve`
 * gets the caller the route recorded (request id, key, limits) and this object's env and
 * waitUntil, so admission, routing, the pipeline and the log record are the route's own code.
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
  const abort = new AbortController();
  const { requestId, keyId, apiKey } = job;
  const input = { env, waitUntil, requestId, keyId, apiKey, signal: abort.signal };
  // A throw before the spine's own error handling is still an error response, as a route's would be.
  const origin = job.upstream ? { [ORIGIN]: { responses: job.upstream, headers: {} } } : {};
  const request = { ...job.chat, stream: true, ...origin };
  const response = serve(input, request, format, { emitMetrics: false }).catch((error) =>
    responsesErrorResponse(asGatewayError(error), requestId),
  );
  return { response, encoder: () => encoder, abort };
}
