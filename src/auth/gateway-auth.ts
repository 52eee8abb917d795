import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { envString } from '../config/env';
import { GatewayError } from '../errors/gateway-error';
import { withStorage } from '../errors/storage';
import { hashKey, presentedKey } from './api-key';
import { checkKey } from './key-check';
import { anyKeys, findKey } from './key-store';

const unauthorized = (message: string, code: string) =>
  new GatewayError(401, 'authentication_error', message, { code });

/**
 * Every /v1 call needs a gateway key (`Authorization: Bearer …` or `x-api-key`), looked up by its
 * SHA-256. Secure by default: with no key configured the gateway refuses and says how to create
 * one. Only a deployment that declares itself local (`INSECURE_LOCAL_MODE=true`, set in
 * wrangler.jsonc's env.dev alone) serves callers without a (known) key, as one local owner.
 */
export function gatewayAuth(): MiddlewareHandler<AppEnv> {
  return async function gatewayAuthMiddleware(c, next) {
    const key = presentedKey(c.req.raw.headers);
    const local = envString(c.env, 'INSECURE_LOCAL_MODE') === 'true';
    if (!key) {
      if (local) return next();
      const db = c.env.DB;
      if (!db || !(await withStorage('key table', () => anyKeys(db), c.get('requestId')))) {
        throw unauthorized(
          'This gateway has no keys yet: create one with `npm run keys -- create --name <name> --remote`.',
          'no_keys_configured',
        );
      }
      throw unauthorized('Send a gateway key as `Authorization: Bearer <key>`.', 'missing_api_key');
    }
    const db = c.env.DB;
    const hash = await hashKey(key);
    const record = db ? await withStorage('key table', () => findKey(db, hash), c.get('requestId')) : null;
    // SDKs always send some key; locally an unknown one is the anonymous local caller, while a
    // real key still gets its own limits.
    if (!record && local) return next();
    checkKey(record);
    c.set('keyId', record.id);
    c.set('apiKey', record);
    return next();
  };
}
