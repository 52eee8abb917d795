import type { ApiKeyRecord } from './auth/api-key';
import type { ProviderEnv } from './providers/provider';

/**
 * The Worker's bindings and variables. The binding types come from `npm run types` (wrangler
 * types → src/worker-configuration.d.ts, checked in CI), so they follow wrangler.jsonc; they are
 * optional here because a gateway must run (and say what is missing) without each of them.
 * Provider keys are read by name (`GROQ_API_KEY`, …).
 */
export type Bindings = ProviderEnv &
  Partial<
    Pick<
      Cloudflare.Env,
      'DB' | 'LOG_QUEUE' | 'SESSIONS' | 'KEY_LIMITER' | 'ROUTE_STATS' | 'RESPONSES' | 'RESPONSE_CACHE'
    >
  >;

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    /** The gateway's own id for the request (see requestIds). */
    requestId: string;
    /** The client's `X-Request-Id`, when it sent a plain one: recorded beside ours. */
    clientRequestId?: string;
    /** The gateway key that made the request; unset while gateway auth is off (one local owner). */
    keyId?: string;
    apiKey?: ApiKeyRecord;
  };
}
