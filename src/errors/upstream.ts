import { GatewayError } from './gateway-error';

/** Upper bound for honouring an upstream Retry-After before moving on to the next target. */
export const MAX_RETRY_AFTER_SECONDS = 10;

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * Maps an upstream HTTP failure to what the client sees. The upstream body is deliberately
 * not read into the message: it can echo prompts, account ids or key fragments.
 */
export function upstreamHttpError(provider: string, status: number, headers: Headers): GatewayError {
  const retryAfter = parseRetryAfter(headers.get('retry-after'));
  const where = `Provider '${provider}'`;
  if (status === 429) {
    return new GatewayError(429, 'rate_limit_error', `${where} is rate limiting requests.`, {
      code: 'upstream_rate_limited',
      retryAfter,
      retryable: true,
    });
  }
  if (status === 401 || status === 403) {
    return new GatewayError(502, 'upstream_error', `${where} rejected the gateway's credentials.`, {
      code: 'upstream_auth_failed',
    });
  }
  if (status === 404) {
    return new GatewayError(404, 'not_found_error', `${where} does not know the requested model.`, {
      code: 'upstream_model_not_found',
      param: 'model',
    });
  }
  if (status === 408 || status >= 500) {
    return new GatewayError(status === 503 ? 503 : 502, 'upstream_error', `${where} failed (HTTP ${status}).`, {
      code: `upstream_http_${status}`,
      retryAfter,
      retryable: true,
    });
  }
  return new GatewayError(400, 'invalid_request_error', `${where} rejected the request (HTTP ${status}).`, {
    code: 'upstream_rejected_request',
  });
}

export function upstreamNetworkError(provider: string): GatewayError {
  return new GatewayError(502, 'upstream_error', `Could not reach provider '${provider}'.`, {
    code: 'upstream_unreachable',
    retryable: true,
  });
}

export function upstreamStreamError(provider: string, code = 'upstream_stream_error'): GatewayError {
  return new GatewayError(502, 'upstream_error', `Provider '${provider}' reported an error.`, {
    code,
    // Another attempt would download the same oversized event again.
    retryable: code !== 'upstream_event_too_large',
  });
}

export function firstByteTimeout(provider: string, ms: number): GatewayError {
  return new GatewayError(504, 'timeout_error', `Provider '${provider}' sent nothing for ${ms} ms.`, {
    code: 'first_byte_timeout',
    retryable: true,
  });
}

export function idleTimeout(provider: string, ms: number): GatewayError {
  return new GatewayError(504, 'timeout_error', `Provider '${provider}' stalled: no content for ${ms} ms.`, {
    code: 'stream_idle_timeout',
  });
}

export function truncated(provider: string): GatewayError {
  return new GatewayError(502, 'upstream_error', `Provider '${provider}' ended the stream without finishing it.`, {
    code: 'upstream_truncated',
  });
}
