import type { GatewayError } from '../errors/gateway-error';

/** The `error.type` values Anthropic's API and SDKs know, as far as the gateway can produce them. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

const BY_STATUS: Record<number, AnthropicErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * The type follows the status because Anthropic SDKs pick the error class from the status; the
 * two must agree. A mid-stream error has no status of its own (502), so an upstream's own
 * `overloaded_error` event keeps its meaning rather than becoming a generic api_error.
 */
export function anthropicErrorType(error: GatewayError): AnthropicErrorType {
  const known = BY_STATUS[error.status];
  if (known) return known;
  if (error.code === 'upstream_overloaded_error') return 'overloaded_error';
  return error.status >= 500 ? 'api_error' : 'invalid_request_error';
}

/**
 * Anthropic's error body. Our stable code goes in `details.error_code`, where the SDKs read it
 * (`APIError.errorCode`); the message is already generic and names the offending field.
 */
export function anthropicErrorBody(error: GatewayError, requestId?: string) {
  return {
    type: 'error',
    error: { type: anthropicErrorType(error), message: error.message, details: { error_code: error.code } },
    ...(requestId !== undefined && { request_id: requestId }),
  };
}

export function anthropicErrorResponse(error: GatewayError, requestId: string): Response {
  const response = Response.json(anthropicErrorBody(error, requestId), {
    status: error.status,
    // `request-id` is the header Anthropic SDKs surface as `error.requestID`.
    headers: { 'x-request-id': requestId, 'request-id': requestId },
  });
  // A 429 always says when to come back, as on the OpenAI route.
  const retryAfter = error.retryAfter ?? (error.status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) response.headers.set('retry-after', String(Math.ceil(retryAfter)));
  return response;
}
