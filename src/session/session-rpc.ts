import { type ErrorType, GatewayError } from '../errors/gateway-error';

/**
 * A GatewayError as it crosses the RPC boundary: a thrown error arrives with its message only,
 * so the status, code and param the client must see travel as data.
 */
export interface RpcError {
  status: number;
  type: ErrorType;
  message: string;
  code: string;
  param: string | null;
  retryAfter?: number;
}

export type RpcResult<T> = { ok: true; value: T } | { ok: false; error: RpcError };

export const unavailable = () =>
  new GatewayError(503, 'server_error', 'The session is temporarily unavailable.', {
    code: 'session_unavailable',
    retryAfter: 1,
  });

/** Runs one RPC method of the session object; a failure that is not ours becomes a 503 to retry. */
export async function answer<T>(run: () => T | Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    let failure: GatewayError;
    if (error instanceof GatewayError) failure = error;
    else {
      // Storage failures and overload are passing conditions: tell the client when to retry.
      console.error(JSON.stringify({ type: 'session_error', error: String(error) }));
      failure = unavailable();
    }
    const { status, type, message, code, param, retryAfter } = failure;
    return { ok: false, error: { status, type, message, code, param, retryAfter } };
  }
}

/** The value of an RPC result, or its error thrown again as the GatewayError it was. */
export function unwrap<T>(result: RpcResult<T>): T {
  if (result.ok) return result.value;
  const { status, type, message, code, param, retryAfter } = result.error;
  throw new GatewayError(status, type, message, { code, param, retryAfter });
}
