import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { GatewayError } from '../errors/gateway-error';
import { withStorage } from '../errors/storage';
import { adminAuth } from '../middleware/admin-auth';
import type { RequestLogRecord } from '../observe/request-log';
import { validationError } from '../schema/validation-error';

/** A time as epoch ms or an ISO 8601 string. */
const time = z.union([z.coerce.number().int().nonnegative(), z.iso.datetime().transform((iso) => Date.parse(iso))]);

const querySchema = z.strictObject({
  since: time.optional(),
  until: time.optional(),
  model: z.string().min(1).optional(),
  outcome: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque: the `next_cursor` of the previous page. */
  cursor: z
    .string()
    .regex(/^\d+:[\w.-]+$/, 'is not a cursor from this API')
    .optional(),
});

/** GET /v1/logs: the request log, newest first, filtered, in pages. */
export const logs = new Hono<AppEnv>().use(adminAuth()).get('/', async (c) => {
  const parsed = querySchema.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  const q = parsed.data;
  const db = c.env.DB;
  if (!db) {
    throw new GatewayError(503, 'server_error', 'The request log store (DB) is not bound.', {
      code: 'log_store_missing',
    });
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (q.since !== undefined) add('ts >= ?', q.since);
  if (q.until !== undefined) add('ts < ?', q.until);
  if (q.model) add('model = ?', q.model);
  if (q.outcome) add('outcome = ?', q.outcome);
  if (q.key) add('key_id = ?', q.key);
  if (q.cursor) {
    const [ts, id] = q.cursor.split(/:(.*)/s);
    add('(ts < ? OR (ts = ? AND request_id < ?))', Number(ts), Number(ts), id);
  }
  const sql = `SELECT request_id, ts, record FROM request_logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ts DESC, request_id DESC LIMIT ?`;
  const { results } = await withStorage('request log', () =>
    db
      .prepare(sql)
      .bind(...params, q.limit + 1)
      .all<{ request_id: string; ts: number; record: string }>(),
  );
  const page = results.slice(0, q.limit);
  const last = page.at(-1);
  return c.json({
    object: 'list',
    data: page.map((row) => JSON.parse(row.record) as RequestLogRecord),
    next_cursor: results.length > q.limit && last ? `${last.ts}:${last.request_id}` : null,
  });
});
