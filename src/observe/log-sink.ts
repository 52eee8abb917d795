import type { GatewayError } from '../errors/gateway-error';
import type { RequestLogRecord } from './request-log';

export interface LogBindings {
  LOG_QUEUE?: Queue<RequestLogRecord>;
}

/**
 * Off the hot path: one console line now, and the record queued for D1 through waitUntil, so
 * neither delays a token. A failed enqueue is reported on the console, never to the client.
 */
export function writeRequestLog(
  record: RequestLogRecord,
  env: LogBindings,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  console.log(JSON.stringify({ type: 'request', ...record }));
  const queue = env.LOG_QUEUE;
  if (!queue) return;
  waitUntil(
    queue.send(record, { contentType: 'json' }).catch((error: unknown) => {
      console.error(JSON.stringify({ type: 'log_enqueue_failed', requestId: record.requestId, error: String(error) }));
    }),
  );
}

/** The record of a request refused before it could be served: a bad body, a wrong field, too large. */
export function writeRejectedLog(
  request: Pick<RequestLogRecord, 'requestId' | 'keyId' | 'route'>,
  failure: GatewayError,
  env: LogBindings,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  writeRequestLog(
    {
      ...request,
      ts: Date.now(),
      model: '',
      stream: false,
      status: failure.status,
      outcome: 'rejected',
      attempts: [],
      retries: 0,
      fallbacks: 0,
      tokens: { estimated: true },
      error: failure.code,
      durationMs: 0,
    },
    env,
    waitUntil,
  );
}
