import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { answer, unwrap } from './session-rpc';

describe('session RPC results', () => {
  it('carries a value through', async () => {
    expect(unwrap(await answer(() => ({ id: 's' })))).toEqual({ id: 's' });
  });

  it('carries a GatewayError as data and throws it again whole on the route side', async () => {
    const error = new GatewayError(409, 'invalid_request_error', 'Busy.', { code: 'session_busy', param: 'x' });
    const result = await answer(() => Promise.reject(error));
    expect(result).toEqual({
      ok: false,
      error: { status: 409, type: 'invalid_request_error', message: 'Busy.', code: 'session_busy', param: 'x' },
    });
    expect(() => unwrap(result)).toThrow(GatewayError);
    expect(() => unwrap(result)).toThrow(expect.objectContaining({ status: 409, code: 'session_busy', param: 'x' }));
  });

  it('turns anything else into a 503 to retry, without its message', async () => {
    const result = await answer(() => {
      throw new Error('SQLITE_BUSY: internal detail');
    });
    expect(result).toMatchObject({ ok: false, error: { status: 503, code: 'session_unavailable', retryAfter: 1 } });
    expect(JSON.stringify(result)).not.toContain('SQLITE');
  });
});
