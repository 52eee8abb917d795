import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { admit } from '../auth/admission';
import {
  KEY_LIMITS_HEADER,
  type KeyLimitsOf,
  LEASE_HEADER,
  leaseHeaderValue,
  type StreamLease,
} from '../auth/key-handoff';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import { registryFor } from '../providers/registry';
import { assertServable } from '../routing/assert-servable';
import { readJson } from '../schema/read-json';
import { validationError } from '../schema/validation-error';
import { createSessionSchema, LOCAL_OWNER, newSessionId, SESSION_ID_PATTERN } from '../session/session-settings';

const ownerOf = (c: Context<AppEnv>) => c.get('keyId') ?? LOCAL_OWNER;

const notFound = () =>
  new GatewayError(404, 'not_found_error', 'No such session.', { code: 'session_not_found', param: 'id' });

function namespace(c: Context<AppEnv>): DurableObjectNamespace {
  const sessions = c.env.SESSIONS;
  if (!sessions) {
    throw new GatewayError(503, 'server_error', 'Sessions are not available: the SESSIONS binding is missing.', {
      code: 'sessions_unavailable',
    });
  }
  return sessions;
}

/**
 * Hands a request to the session's Durable Object with the caller attached. The object is only
 * reachable through here, so it can trust the owner, lease and key-limits headers. The client's
 * hang-up is not passed on: a generation outlives its viewers (that is what resume is for;
 * interrupt stops it). A busy or failing object answers 503 with Retry-After instead of leaving
 * the client hanging.
 */
async function toSession(
  c: Context<AppEnv>,
  id: string,
  action: string,
  init: RequestInit = {},
  handoff: { lease?: StreamLease; limits?: KeyLimitsOf } = {},
): Promise<Response> {
  if (!SESSION_ID_PATTERN.test(id)) throw notFound();
  const stub = namespace(c).get(namespace(c).idFromName(id));
  const headers = new Headers(init.headers ?? c.req.raw.headers);
  headers.set('x-infe-owner', ownerOf(c));
  headers.set('x-infe-session-id', id);
  // Only what this route set may reach the object, never a header a client sent.
  headers.delete(LEASE_HEADER);
  headers.delete(KEY_LIMITS_HEADER);
  if (handoff.lease) headers.set(LEASE_HEADER, leaseHeaderValue(handoff.lease));
  if (handoff.limits) headers.set(KEY_LIMITS_HEADER, JSON.stringify(handoff.limits));
  const url = new URL(c.req.url);
  try {
    return await stub.fetch(`https://session.internal/${action}${url.search}`, {
      method: init.method ?? c.req.method,
      headers,
      body: init.body ?? (c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : c.req.raw.body),
    });
  } catch {
    throw new GatewayError(503, 'server_error', 'The session is temporarily unavailable.', {
      code: 'session_unavailable',
      retryAfter: 1,
    });
  }
}

export const sessions = new Hono<AppEnv>()
  .post('/', async (c) => {
    const parsed = createSessionSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationError(parsed.error);
    // The model is fixed for the session's life, so checking it here covers every turn.
    await admit(c, { model: parsed.data.model, holdsStream: false });
    assertServable(parsed.data.model, settingsFor(c.env), registryFor(c.env));
    const id = newSessionId();
    const settings = { ...parsed.data, id, owner: ownerOf(c), created_at: Date.now() };
    const res = await toSession(c, id, 'create', { method: 'POST', body: JSON.stringify(settings) });
    if (!res.ok) return res;
    await c.env.DB?.prepare('INSERT INTO sessions (id, owner, model, created_at) VALUES (?, ?, ?, ?)')
      .bind(id, settings.owner, settings.model, settings.created_at)
      .run();
    return c.json(await res.json(), 201);
  })
  .get('/', async (c) => {
    const db = c.env.DB;
    if (!db) return c.json({ object: 'list', data: [] });
    const { results } = await db
      .prepare('SELECT id, model, created_at FROM sessions WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT 100')
      .bind(ownerOf(c))
      .all();
    return c.json({ object: 'list', data: results });
  })
  .get('/:id', (c) => toSession(c, c.req.param('id'), 'state'))
  .delete('/:id', async (c) => {
    const res = await toSession(c, c.req.param('id'), 'delete', { method: 'DELETE' });
    if (res.ok) await c.env.DB?.prepare('DELETE FROM sessions WHERE id = ?').bind(c.req.param('id')).run();
    return res;
  })
  .post('/:id/messages', async (c) => {
    // A turn is a stream like any other: it takes one of the key's concurrent-stream slots. The
    // object gives the slot back when the turn ends; a message it refused gives it back here.
    const release = await admit(c, { holdsStream: true });
    try {
      const res = await toSession(c, c.req.param('id'), 'messages', {}, { lease: release.lease });
      if (!res.ok) release();
      return res;
    } catch (error) {
      release();
      throw error;
    }
  })
  .post('/:id/interrupt', (c) => toSession(c, c.req.param('id'), 'interrupt'))
  .post('/:id/warmup', async (c) => {
    await admit(c, { holdsStream: false });
    return toSession(c, c.req.param('id'), 'warmup');
  })
  .get('/:id/stream', (c) => toSession(c, c.req.param('id'), 'stream'))
  .get('/:id/ws', (c) => {
    const key = c.get('apiKey');
    const limits = key && { id: key.id, rpm: key.rpm, concurrency: key.concurrency };
    return toSession(c, c.req.param('id'), 'ws', {}, { limits });
  });
