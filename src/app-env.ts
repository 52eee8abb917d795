import type { ApiKeyRecord } from './auth/api-key';
import type { KeyLimiterDO } from './auth/key-limiter-do';
import type { LogStoreBindings } from './observe/log-consumer';
import type { LogBindings } from './observe/log-sink';
import type { ProviderEnv } from './providers/provider';

/** The Worker's bindings and variables; provider keys are read by name (`GROQ_API_KEY`, …). */
export type Bindings = ProviderEnv &
  LogBindings &
  LogStoreBindings & {
    SESSIONS?: DurableObjectNamespace;
    KEY_LIMITER?: DurableObjectNamespace<KeyLimiterDO>;
  };

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    /** The gateway key that made the request; unset while gateway auth is off (one local owner). */
    keyId?: string;
    apiKey?: ApiKeyRecord;
  };
}
