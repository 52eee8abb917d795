import type { Context } from 'hono';
import type { AppEnv, Bindings } from '../app-env';
import type { EnvVars } from '../config/env';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import { withStorage } from '../errors/storage';
import type { CostRecord } from '../observe/cost';
import { aliasFor } from '../routing/resolve-targets';
import type { ChatRequest } from '../schema/chat-request';
import { type ApiKeyRecord, modelAllowed } from './api-key';
import { budgetExceeded, reservation } from './budget-admission';
import { type KeyLimitsOf, keepLease, releaseLease, type StreamLease } from './key-handoff';
import type { KeyLimiterDO } from './key-limiter-do';
import type { Admission } from './key-limits';

/**
 * Gives the stream's slot back and settles its budget reservation with the stream's cost (none:
 * nothing was consumed); `lease` names the slot, for an object that takes it over.
 */
export interface Release {
  (cost?: CostRecord): void;
  lease?: StreamLease;
  /** The object the lease was handed to renews and releases it from now on. */
  handOff(): void;
}
const nothing: Release = Object.assign(() => {}, { handOff: () => {} });

/** A 403 unless the key may use `model` (for an alias: the targets it resolves to). */
export function checkModel(key: ApiKeyRecord, model: string, env: EnvVars): void {
  if (!modelAllowed(key, model, aliasFor(model, settingsFor(env))?.targets)) {
    throw new GatewayError(403, 'permission_error', `This key may not use model '${model}'.`, {
      code: 'model_not_allowed',
      param: 'model',
    });
  }
}

/** Who is asking, as admission reads it; a route, a Durable Object and a test can all say it. */
export interface Caller {
  /** The gateway key; none while gateway auth is off (one local owner). */
  apiKey?: ApiKeyRecord | null;
  env: Bindings;
  /** Where a slot's release goes, so it outlives the response. */
  waitUntil(promise: Promise<unknown>): void;
}

/** The route's caller: the key the auth middleware set, the Worker's env and its execution context. */
export const callerOf = (c: Context<AppEnv>): Caller => ({
  apiKey: c.get('apiKey'),
  env: c.env,
  waitUntil: (promise) => c.executionCtx.waitUntil(promise),
});

interface AdmitOptions {
  model?: string;
  holdsStream: boolean;
  /** The request as it goes upstream (capped: capForBudget): its worst case is reserved of a budget. */
  request?: ChatRequest;
}

/** `admitCaller` for a route's own request. */
export const admit = (c: Context<AppEnv>, options: AdmitOptions): Promise<Release> => admitCaller(callerOf(c), options);

/**
 * Checks the caller's key against the request before any upstream call: the model (when given)
 * must be allowed, and the key's rate and open-stream limits must have room. Returns the function that
 * gives the stream's slot back; call it once, when the stream ends for any reason.
 */
export async function admitCaller(caller: Caller, options: AdmitOptions): Promise<Release> {
  const key = caller.apiKey;
  if (!key) return nothing;
  if (options.model !== undefined) checkModel(key, options.model, caller.env);
  const limiter = caller.env.KEY_LIMITER;
  if (!limiter) return nothing;
  const reserveUsd =
    options.holdsStream && key.budget && options.request ? reservation(options.request, caller.env) : 0;
  const lease = await acquireSlot(limiter, key, options.holdsStream, reserveUsd);
  if (!lease) return nothing;
  if (!options.holdsStream) {
    caller.waitUntil(releaseLease(limiter, lease));
    return nothing;
  }
  let released = false;
  const stopRenewing = keepLease(limiter, lease);
  const release = (cost?: CostRecord) => {
    stopRenewing();
    if (released) return;
    released = true;
    caller.waitUntil(releaseLease(limiter, lease, cost));
  };
  return Object.assign(release, { lease, handOff: stopRenewing });
}

/**
 * Counts one request against the key's rate and, for a stream, takes one of its slots and
 * reserves `reserveUsd` of its budget; a 429 when there is no room. Undefined when the key has no
 * limit that applies (nothing to give back).
 */
export async function acquireSlot(
  limiter: DurableObjectNamespace<KeyLimiterDO>,
  key: KeyLimitsOf,
  holdsStream: boolean,
  reserveUsd = 0,
): Promise<StreamLease | undefined> {
  const concurrency = holdsStream ? key.concurrency : null;
  const budget = holdsStream ? key.budget : null;
  if (key.rpm === null && concurrency === null && !budget) return undefined;
  const stub = limiter.get(limiter.idFromName(key.id));
  const admission: Admission = await withStorage('key limiter', async () =>
    stub.acquire({ rpm: key.rpm, concurrency, budget }, reserveUsd),
  );
  if (!admission.ok && admission.reason === 'budget' && budget) throw budgetExceeded(admission, reserveUsd, budget);
  if (!admission.ok) {
    const what = admission.reason === 'rpm' ? `${key.rpm} requests per minute` : `${concurrency} concurrent streams`;
    throw new GatewayError(429, 'rate_limit_error', `This key is limited to ${what}.`, {
      code: admission.reason === 'rpm' ? 'key_rate_limited' : 'key_concurrency_limited',
      retryAfter: admission.retryAfterSeconds,
    });
  }
  return budget
    ? { keyId: key.id, lease: admission.lease, budget, reservedUsd: reserveUsd }
    : { keyId: key.id, lease: admission.lease };
}
