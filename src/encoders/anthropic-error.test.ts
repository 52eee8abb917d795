import { describe, expect, it } from 'vitest';
import { type ErrorType, GatewayError } from '../errors/gateway-error';
import { anthropicErrorResponse, anthropicErrorType } from './anthropic-error';

const error = (status: number, type: ErrorType, code = 'some_code') =>
  new GatewayError(status, type, 'message', { code });

describe('anthropicErrorType', () => {
  it.each([
    [400, 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'authentication_error'],
    [403, 'permission_error', 'permission_error'],
    [404, 'not_found_error', 'not_found_error'],
    [413, 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', 'rate_limit_error'],
    [500, 'server_error', 'api_error'],
    [502, 'upstream_error', 'api_error'],
    [503, 'upstream_error', 'overloaded_error'],
    [504, 'timeout_error', 'timeout_error'],
    [529, 'upstream_error', 'overloaded_error'],
  ] as const)('maps HTTP %i (%s) to %s', (status, type, expected) => {
    expect(anthropicErrorType(error(status, type))).toBe(expected);
  });

  it('keeps an upstream overloaded event overloaded although it has no status of its own', () => {
    expect(anthropicErrorType(error(502, 'upstream_error', 'upstream_overloaded_error'))).toBe('overloaded_error');
  });
});

describe('anthropicErrorResponse', () => {
  it('answers in the shape and headers Anthropic SDKs read', async () => {
    const failure = new GatewayError(429, 'rate_limit_error', 'slow down', { code: 'upstream_rate_limited' });
    const response = anthropicErrorResponse(failure, 'req-1');
    expect(response.status).toBe(429);
    expect(response.headers.get('request-id')).toBe('req-1');
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down', details: { error_code: 'upstream_rate_limited' } },
      request_id: 'req-1',
    });
  });
});
