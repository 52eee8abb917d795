import { GatewayError } from '../errors/gateway-error';
import type { ApiKeyRecord } from './api-key';

const unauthorized = (message: string, code: string) =>
  new GatewayError(401, 'authentication_error', message, { code });

/**
 * Whether a looked-up key may still be used: it exists, is not revoked and has not expired.
 * Throws the 401 the caller gets; the HTTP path and a session's WebSocket ask the same question.
 */
export function checkKey(record: ApiKeyRecord | null, now = Date.now()): asserts record is ApiKeyRecord {
  if (!record || record.revokedAt !== null) throw unauthorized('The gateway key is not valid.', 'invalid_api_key');
  if (record.expiresAt !== null && record.expiresAt <= now) {
    throw unauthorized('The gateway key has expired.', 'expired_api_key');
  }
}
