import { GatewayError } from './gateway-error';

/** What to run when the D1 schema is missing: locally, and for a deployment. */
export const MIGRATE_COMMAND = 'npx wrangler d1 migrations apply infe --local (or --remote for a deployment)';

/** Seconds a client should wait before trying again while the gateway's own storage fails. */
const STORAGE_RETRY_AFTER_S = 5;

/** D1 reports a table or column it does not have this way: the migrations were never (all) applied. */
const isMissingTable = (error: unknown) => error instanceof Error && /no such (table|column)/i.test(error.message);

/**
 * A failure of the gateway's own storage (D1, the key limiter) as the 503 the client gets,
 * instead of a bare 500: a missing schema names the command that creates it; anything else asks
 * the client to come back later (Retry-After). The cause goes to the console as one JSON line,
 * never to the client. `what` names the store, for that line.
 */
export function storageFailure(error: unknown, what: string, requestId?: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const cause = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error).slice(0, 500);
  console.error(JSON.stringify({ type: 'storage_failed', store: what, requestId, cause }));
  if (isMissingTable(error)) {
    return new GatewayError(503, 'server_error', `The gateway's database has no schema yet: run ${MIGRATE_COMMAND}.`, {
      code: 'database_schema_missing',
    });
  }
  return new GatewayError(503, 'server_error', `The gateway's ${what} is unavailable; try again shortly.`, {
    code: 'storage_unavailable',
    retryAfter: STORAGE_RETRY_AFTER_S,
  });
}

/** Runs one storage call, turning its failure into storageFailure's 503. */
export async function withStorage<T>(what: string, call: () => Promise<T>, requestId?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storageFailure(error, what, requestId);
  }
}
