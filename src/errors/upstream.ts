import { GatewayError } from './gateway-error';
import { upstreamRequestId as requestIdOf, type UpstreamDetail } from './upstream-detail';

/** Upper bound for honouring an upstream Retry-After before moving on to the next target. */
export const MAX_RETRY_AFTER_SECONDS = 10;

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Statuses that mean the request itself was refused: the client can act on the provider's reasons. */
const REQUEST_FAULTS = new Set([400, 404, 413, 422]);

/**
 * Maps an upstream HTTP failure to what the client sees. For a refused request (400, 404, 413,
 * 422, 429) that is the provider's status and its scrubbed type, code, param and message. A
 * 401/403 is about the gateway's own credentials: the client gets a generic 502 and the
 * operator a log line, never the provider's words (they can quote the key).
 */
export function upstreamHttpError(
  provider: string,
  status: number,
  headers: Headers,
  detail: UpstreamDetail = {},
): GatewayError {
  const retryAfter = parseRetryAfter(headers.get('retry-after'));
  const upstreamRequestId = requestIdOf(headers);
  const where = `Provider '${provider}'`;
  const said = detail.message ? `: ${detail.message}` : '';
  const upstream = { type: detail.type, code: detail.code, param: detail.param };
  if (status === 429) {
    // Our code stays in the log and drives retries; the client gets the provider's own (a quota
    // exhausted and a rate exceeded call for different reactions) and its message.
    return new GatewayError(429, 'rate_limit_error', `${where} is rate limiting requests${said || '.'}`, {
      code: 'upstream_rate_limited',
      retryAfter,
      retryable: true,
      upstream,
      upstreamRequestId,
    });
  }
  if (status === 401 || status === 403) {
    console.error(JSON.stringify({ type: 'upstream_auth_failed', provider, status, upstreamRequestId }));
    return new GatewayError(502, 'upstream_error', `${where} rejected the gateway's credentials.`, {
      code: 'upstream_auth_failed',
      upstreamRequestId,
    });
  }
  if (status === 408 || status >= 500) {
    return new GatewayError(status === 503 ? 503 : 502, 'upstream_error', `${where} failed (HTTP ${status}).`, {
      code: `upstream_http_${status}`,
      retryAfter,
      retryable: true,
      upstreamRequestId,
    });
  }
  if (status === 404) {
    const message = said ? `${where}${said}` : `${where} does not know the requested model.`;
    return new GatewayError(404, 'not_found_error', message, {
      code: 'upstream_model_not_found',
      param: 'model',
      upstream,
      upstreamRequestId,
    });
  }
  const message = said ? `${where} rejected the request${said}` : `${where} rejected the request (HTTP ${status}).`;
  return new GatewayError(REQUEST_FAULTS.has(status) ? status : 400, 'invalid_request_error', message, {
    code: 'upstream_rejected_request',
    upstream,
    upstreamRequestId,
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
