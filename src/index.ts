import { app } from './app';
import { consumeLogBatch } from './observe/log-consumer';
import type { RequestLogRecord } from './observe/request-log';

export { KeyLimiterDO } from './auth/key-limiter-do';
export { ResponseCacheDO } from './cache/response-cache-do';
export { ResponsesDO } from './responses/responses-do';
export { RouteStatsDO } from './routing/route-stats-do';
export { SessionDO } from './session/session-do';

export default {
  fetch: app.fetch,
  /** The request-log queue's consumer: batches records into D1. */
  queue: (batch: MessageBatch<RequestLogRecord>, env: Record<string, unknown>) => consumeLogBatch(batch, env),
} satisfies ExportedHandler<Record<string, unknown>, RequestLogRecord>;
