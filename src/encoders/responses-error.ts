import { errorResponse, GatewayError } from '../errors/gateway-error';

/** Chat field names a provider's refusal may carry, as the Responses request calls them. */
const RESPONSES_PARAMS: Record<string, string> = {
  response_format: 'text.format',
  max_completion_tokens: 'max_output_tokens',
  max_tokens: 'max_output_tokens',
  reasoning_effort: 'reasoning.effort',
};

/** The error as the Responses API names it: the translated request's field becomes the Responses field. */
export function asResponsesError(error: GatewayError): GatewayError {
  const param = error.param ? RESPONSES_PARAMS[error.param] : undefined;
  if (!param || !error.param) return error;
  const { upstream } = error;
  return new GatewayError(error.status, error.type, error.message.replaceAll(`'${error.param}'`, `'${param}'`), {
    code: error.code,
    param,
    retryAfter: error.retryAfter,
    retryable: error.retryable,
    // The provider's own words and request id stay; only the field's name changes.
    upstream: upstream && { ...upstream, param: upstream.param === error.param ? param : upstream.param },
    upstreamRequestId: error.upstreamRequestId,
  });
}

/** The OpenAI error shape, naming the Responses field where the translated request was refused. */
export function responsesErrorResponse(error: GatewayError, requestId: string): Response {
  return errorResponse(asResponsesError(error), { 'x-request-id': requestId });
}
