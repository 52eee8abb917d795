import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { invalidRequest } from '../errors/gateway-error';
import type { InputItem } from '../schema/responses-request';

/** The owner of stored responses while gateway auth is off (one local owner, as for sessions). */
const LOCAL_OWNER = 'local';

/** The key's own Responses object: another key's ids are not in it, so they are not found. */
export function responsesStore(c: Context<AppEnv>) {
  const namespace = c.env.RESPONSES;
  return namespace?.get(namespace.idFromName(c.get('keyId') ?? LOCAL_OWNER));
}

export interface ListParams {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
}

/** `limit` (1-100, default 20), `order` (default `desc`, newest first) and `after` (an item id). */
export function listParams(c: Context<AppEnv>): ListParams {
  const limit = Number(c.req.query('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw invalidRequest("'limit' must be an integer from 1 to 100.", 'limit');
  const order = c.req.query('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest("'order' must be 'asc' or 'desc'.", 'order');
  return { limit, order, after: c.req.query('after') };
}

/** One page of items (oldest first in `items`) as OpenAI lists them. */
export function listPage(items: readonly InputItem[], { limit, order, after }: ListParams) {
  const ordered = order === 'asc' ? items : [...items].reverse();
  const start = after ? ordered.findIndex((item) => item.id === after) + 1 : 0;
  const data = ordered.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < ordered.length,
  };
}
