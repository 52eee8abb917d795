/** One UTC day in ms: the report's rows are per day. */
export const DAY_MS = 86_400_000;

/**
 * Rows a report returns at most: a month of days × a few models × a few keys fits, an admin's
 * year over every key does not and says so (`has_more`; narrow the range or name a key).
 */
export const MAX_USAGE_ROWS = 1000;

export interface UsageQuery {
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
  /** One key's requests; undefined for every key (the admin view). */
  keyId?: string;
}

interface Sums {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  /** USD over the requests that have a price; `unpriced_requests` says how many are left out. */
  cost_usd: number;
  /** Requests whose cost is (partly) the gateway's estimate: no usage from the provider, or legs that lost. */
  estimated_requests: number;
  /** Requests that used a model without a price: their cost is in no sum. */
  unpriced_requests: number;
}

export interface UsageRow extends Sums {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** As the client addressed it (`provider/model` or an alias), as the log's `model` is. */
  model: string;
  /** The gateway key's id; null for requests made without one (local use). */
  key: string | null;
}

export interface UsageReport {
  totals: Sums;
  data: UsageRow[];
  /** More rows matched than MAX_USAGE_ROWS; the totals still count every one. */
  has_more: boolean;
}

const SUMS = `COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens,
  COALESCE(SUM(output_tokens), 0) AS output_tokens, COALESCE(SUM(cost_usd), 0) AS cost_usd,
  COALESCE(SUM(cost_estimated), 0) AS estimated_requests, COALESCE(SUM(cost_unpriced), 0) AS unpriced_requests`;

type SumsRow = Sums & { day?: number; model?: string; key_id?: string | null };

function sums(row: SumsRow | undefined): Sums {
  return {
    requests: row?.requests ?? 0,
    input_tokens: row?.input_tokens ?? 0,
    output_tokens: row?.output_tokens ?? 0,
    cost_usd: row?.cost_usd ?? 0,
    estimated_requests: row?.estimated_requests ?? 0,
    unpriced_requests: row?.unpriced_requests ?? 0,
  };
}

/**
 * Requests, tokens and cost by UTC day, model and key, from the request log's columns (written
 * from each record by the log consumer, so the report agrees with GET /v1/logs). The rows and
 * the totals come from one D1 round trip.
 */
export async function readUsage(db: D1Database, query: UsageQuery): Promise<UsageReport> {
  const where = `ts >= ? AND ts < ?${query.keyId === undefined ? '' : ' AND key_id = ?'}`;
  const params = query.keyId === undefined ? [query.since, query.until] : [query.since, query.until, query.keyId];
  const [rows, totals] = await db.batch<SumsRow>([
    db
      .prepare(
        `SELECT ts / ${DAY_MS} AS day, model, key_id, ${SUMS} FROM request_logs WHERE ${where}
         GROUP BY day, model, key_id ORDER BY day DESC, model, key_id LIMIT ?`,
      )
      .bind(...params, MAX_USAGE_ROWS + 1),
    db.prepare(`SELECT ${SUMS} FROM request_logs WHERE ${where}`).bind(...params),
  ]);
  const grouped = rows?.results ?? [];
  return {
    totals: sums(totals?.results[0]),
    data: grouped.slice(0, MAX_USAGE_ROWS).map((row) => ({
      day: new Date((row.day ?? 0) * DAY_MS).toISOString().slice(0, 10),
      model: row.model ?? '',
      key: row.key_id ?? null,
      ...sums(row),
    })),
    has_more: grouped.length > MAX_USAGE_ROWS,
  };
}
