import type { LogStoreBindings } from './observe/log-consumer';
import type { LogBindings } from './observe/log-sink';
import type { ProviderEnv } from './providers/provider';

/** The Worker's bindings and variables; provider keys are read by name (`GROQ_API_KEY`, …). */
export type Bindings = ProviderEnv & LogBindings & LogStoreBindings;

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string };
}
