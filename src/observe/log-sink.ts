import type { GatewayError } from '../errors/gateway-error';
import { fitRecord } from './record-size';
import { RefusalBudget } from './refusal-budget';
import type { RequestLogRecord } from './request-log';

export interface LogBindings {
  LOG_QUEUE?: Queue<RequestLogRecord>;
}

/**
 * Off the hot path: one console line now, and the record queued for D1 through waitUntil, so
 * neither delays a token. A failed enqueue is reported on the console, never to the client.
 */
export function writeRequestLog(
  full: RequestLogRecord,
  env: LogBindings,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  const record = fitRecord(full);
  console.log(JSON.stringify({ type: 'request', ...record }));
  const queue = env.LOG_QUEUE;
  if (!queue) return;
  waitUntil(
    queue.send(record, { contentType: 'json' }).catch((error: unknown) => {
      console.error(JSON.stringify({ type: 'log_enqueue_failed', requestId: record.requestId, error: String(error) }));
    }),
  );
}

const refusals = new RefusalBudget();

/**
 * A 401 or 403 (a bad key, a model the key may not use) is recorded like any rejected request,
 * within a per-isolate budget so that a flood of them cannot fill the log.
 */
export function writeRefusalLog(
  request: RejectedRequest,
  failure: GatewayError,
  env: LogBindings,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  const allowed = refusals.take(Date.now());
  if (!allowed) return;
  const skipped = allowed.skipped > 0 ? { refusalsSkipped: allowed.skipped } : {};
  writeRejectedLog({ ...request, ...skipped }, failure, env, waitUntil);
}

type RejectedRequest = Pick<RequestLogRecord, 'requestId' | 'clientRequestId' | 'keyId' | 'route' | 'refusalsSkipped'>;

/** The record of a request refused before it could be served: a bad body, a wrong field, too large. */
export function writeRejectedLog(
  request: RejectedRequest,
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
