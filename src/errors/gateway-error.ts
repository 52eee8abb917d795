import type { UpstreamDetail } from './upstream-detail';

/**
 * Every error a client can see. The message is ours; a provider's own account of a request it
 * refused joins it only scrubbed (upstream-detail.ts), and credentials never reach it.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'timeout_error'
  | 'server_error';

export interface GatewayErrorOptions {
  code: string;
  param?: string | null;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Worth another attempt at the same or the next target (before the first token only). */
  retryable?: boolean;
  /** The provider's own type/code/param for a request it refused: what the client sees instead of ours. */
  upstream?: UpstreamDetail;
  /** The provider's id for the failed request, sent back as `x-infe-upstream-request-id`. */
  upstreamRequestId?: string;
}

export class GatewayError extends Error {
  readonly code: string;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly retryable: boolean;
  readonly upstream: UpstreamDetail | undefined;
  readonly upstreamRequestId: string | undefined;

  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    options: GatewayErrorOptions,
  ) {
    super(message);
    this.name = 'GatewayError';
    this.code = options.code;
    this.param = options.param ?? null;
    this.retryAfter = options.retryAfter;
    this.retryable = options.retryable ?? false;
    this.upstream = options.upstream;
    this.upstreamRequestId = options.upstreamRequestId;
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** Our code stays in logs and routing decisions; the client gets the provider's when it gave one. */
export function errorBody(error: GatewayError): OpenAIErrorBody {
  const { upstream } = error;
  return {
    error: {
      message: error.message,
      type: upstream?.type ?? error.type,
      param: upstream?.param ?? error.param,
      code: upstream?.code ?? error.code,
    },
  };
}

/** `x-infe-upstream-request-id` when the provider named its request. */
export function upstreamIdHeader(error: GatewayError): Record<string, string> {
  return error.upstreamRequestId ? { 'x-infe-upstream-request-id': error.upstreamRequestId } : {};
}

export function errorResponse(error: GatewayError, headers?: Record<string, string>): Response {
  const response = Response.json(errorBody(error), {
    status: error.status,
    headers: { ...headers, ...upstreamIdHeader(error) },
  });
  // A 429 always says when to come back, even when the provider did not.
  const retryAfter = error.retryAfter ?? (error.status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) response.headers.set('retry-after', String(Math.ceil(retryAfter)));
  return response;
}

/** Anything thrown that is not ours becomes a generic 500: its message may hold internals. */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError(500, 'server_error', 'The gateway failed to handle the request.', {
    code: 'internal_error',
  });
}

export const invalidRequest = (message: string, param: string | null, code = 'invalid_request') =>
  new GatewayError(400, 'invalid_request_error', message, { code, param });
