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
