import type { RequestLogRecord } from './request-log';

export interface LogStoreBindings {
  DB?: D1Database;
}

const INSERT = `INSERT OR IGNORE INTO request_logs
  (request_id, ts, key_id, route, model, provider, outcome, status, upstream_ttft_ms, duration_ms, record,
   input_tokens, output_tokens, cost_usd, cost_estimated, cost_unpriced)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * The Queue consumer: writes a batch of records to D1 in one round trip. `OR IGNORE` makes a
 * redelivered message harmless; a failed write retries the whole batch.
 */
export async function consumeLogBatch(batch: MessageBatch<RequestLogRecord>, env: LogStoreBindings): Promise<void> {
  if (batch.messages.length === 0) return;
  const db = env.DB;
  if (!db) {
    console.error(JSON.stringify({ type: 'log_store_missing', dropped: batch.messages.length }));
    batch.ackAll();
    return;
  }
  const insert = db.prepare(INSERT);
  const statements = batch.messages.map(({ body: r }) =>
    insert.bind(
      r.requestId,
      r.ts,
      r.keyId,
      r.route,
      r.model,
      r.provider ?? null,
      r.outcome,
      r.status,
      r.upstreamTtftMs ?? null,
      r.durationMs,
      JSON.stringify(r),
      r.tokens.input ?? null,
      r.tokens.output ?? null,
      r.cost?.usd ?? null,
      r.cost?.estimated ? 1 : 0,
      r.cost?.unpriced ? 1 : 0,
    ),
  );
  try {
    await db.batch(statements);
    batch.ackAll();
  } catch (error) {
    console.error(JSON.stringify({ type: 'log_store_failed', error: String(error), messages: batch.messages.length }));
    batch.retryAll({ delaySeconds: 5 });
  }
}
