import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { GatewayError, invalidRequest } from '../errors/gateway-error';
import { storedInput } from '../responses/response-store';
import { addItemsSchema, createConversationSchema, updateConversationSchema } from '../schema/conversation-request';
import { readJson } from '../schema/read-json';
import type { InputItem } from '../schema/responses-request';
import { parseWith } from '../schema/responses-request';
import { listPage, listParams, responsesStore } from './responses-store';

const notFound = (what: string, id: string) =>
  new GatewayError(404, 'not_found_error', `No ${what} with id '${id.slice(0, 256)}'.`, {
    code: `${what}_not_found`,
    param: `${what}_id`,
  });

function store(c: Context<AppEnv>) {
  const stub = responsesStore(c);
  if (!stub)
    throw new GatewayError(503, 'server_error', 'Conversations need the RESPONSES binding.', { code: 'no_storage' });
  return stub;
}

async function itemsOf(c: Context<AppEnv>, id: string): Promise<InputItem[]> {
  const items = await store(c).conversationItems(id);
  if (!items) throw notFound('conversation', id);
  return JSON.parse(items) as InputItem[];
}

/** New ids for items added without one, unique within the conversation. */
const withIds = (items: readonly InputItem[]) => storedInput(items, `resp_${crypto.randomUUID().replaceAll('-', '')}`);

/**
 * OpenAI's Conversations API, per key in the key's Responses object: a conversation is the items
 * of every response made in it (`conversation` on `POST /v1/responses`) and any added directly.
 */
export const conversations = new Hono<AppEnv>()
  .post('/', async (c) => {
    const body = parseWith(createConversationSchema, await readJson(c.req.raw));
    const id = `conv_${crypto.randomUUID().replaceAll('-', '')}`;
    return c.json(await store(c).createConversation(id, body.metadata ?? {}, withIds(body.items ?? [])));
  })
  .get('/:id', async (c) => {
    const conversation = await store(c).conversation(c.req.param('id'));
    if (!conversation) throw notFound('conversation', c.req.param('id'));
    return c.json(conversation);
  })
  .post('/:id', async (c) => {
    const body = parseWith(updateConversationSchema, await readJson(c.req.raw));
    const conversation = await store(c).updateConversation(c.req.param('id'), body.metadata);
    if (!conversation) throw notFound('conversation', c.req.param('id'));
    return c.json(conversation);
  })
  .delete('/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await store(c).deleteConversation(id))) throw notFound('conversation', id);
    return c.json({ id, object: 'conversation.deleted', deleted: true });
  })
  .post('/:id/items', async (c) => {
    const id = c.req.param('id');
    const items = withIds(parseWith(addItemsSchema, await readJson(c.req.raw)).items);
    if (!(await store(c).appendItems(id, items))) {
      if (!(await store(c).conversation(id))) throw notFound('conversation', id);
      throw invalidRequest('The conversation is full.', 'items', 'conversation_full');
    }
    return c.json(listPage(items, { limit: 100, order: 'asc' }));
  })
  .get('/:id/items', async (c) => {
    return c.json(listPage(await itemsOf(c, c.req.param('id')), listParams(c)));
  })
  .get('/:id/items/:item', async (c) => {
    const items = await itemsOf(c, c.req.param('id'));
    const item = items.find((entry) => entry.id === c.req.param('item'));
    if (!item) throw notFound('item', c.req.param('item'));
    return c.json(item);
  })
  .delete('/:id/items/:item', async (c) => {
    const id = c.req.param('id');
    if (!(await store(c).deleteItem(id, c.req.param('item')))) throw notFound('item', c.req.param('item'));
    return c.json(await store(c).conversation(id));
  });
