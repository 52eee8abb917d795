import type { ApiKeyRecord } from './auth/api-key';
import type { ProviderEnv } from './providers/provider';

/**
 * The Worker's bindings and variables. The binding types come from `npm run types` (wrangler
 * types → src/worker-configuration.d.ts, checked in CI), so they follow wrangler.jsonc; they are
 * optional here because a gateway must run (and say what is missing) without each of them.
 * Provider keys are read by name (`GROQ_API_KEY`, …).
 */
export type Bindings = ProviderEnv &
  Partial<Pick<Cloudflare.Env, 'DB' | 'LOG_QUEUE' | 'SESSIONS' | 'KEY_LIMITER' | 'ROUTE_STATS' | 'RESPONSES'>>;

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    /** The gateway key that made the request; unset while gateway auth is off (one local owner). */
    keyId?: string;
    apiKey?: ApiKeyRecord;
  };
}
