import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { envString } from '../config/env';
import { GatewayError } from '../errors/gateway-error';

const encoder = new TextEncoder();

/** Compares digests, so neither the length nor the content of the key leaks through timing. */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(given)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

/** The caller presents the configured admin key (false when none is configured). */
export async function presentsAdminKey(c: Context<AppEnv>): Promise<boolean> {
  const expected = envString(c.env, 'ADMIN_API_KEY');
  const given = bearer(c.req.header('authorization'));
  return expected !== undefined && given !== undefined && (await sameSecret(given, expected));
}

/**
 * Admin endpoints (logs) need `Authorization: Bearer $ADMIN_API_KEY`. Without a configured key
 * they are refused, unless the deployment says it is a local one (`INSECURE_LOCAL_MODE=true`,
 * set only in wrangler.jsonc's `env.dev`).
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const expected = envString(c.env, 'ADMIN_API_KEY');
    if (!expected) {
      if (envString(c.env, 'INSECURE_LOCAL_MODE') === 'true') return next();
      throw new GatewayError(
        401,
        'authentication_error',
        'Admin endpoints are disabled: set the ADMIN_API_KEY secret.',
        {
          code: 'admin_key_not_configured',
        },
      );
    }
    const given = bearer(c.req.header('authorization'));
    if (!given || !(await sameSecret(given, expected))) {
      throw new GatewayError(401, 'authentication_error', 'A valid admin key is required.', {
        code: 'invalid_admin_key',
      });
    }
    return next();
  };
}
