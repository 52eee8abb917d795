/**
 * Every error a client can see. The message is always ours (generic, safe to show);
 * upstream bodies and credentials never reach it.
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
}

export class GatewayError extends Error {
  readonly code: string;
  readonly param: string | null;
  readonly retryAfter: number | undefined;
  readonly retryable: boolean;

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
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string };
}

export function errorBody(error: GatewayError): OpenAIErrorBody {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

export function errorResponse(error: GatewayError, headers?: HeadersInit): Response {
  const response = Response.json(errorBody(error), { status: error.status, headers });
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
