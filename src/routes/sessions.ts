import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { admit } from '../auth/admission';
import { KEY_LIMITS_HEADER } from '../auth/key-handoff';
import { settingsFor } from '../config/settings';
import { GatewayError } from '../errors/gateway-error';
import { withStorage } from '../errors/storage';
import { registryFor } from '../providers/registry';
import { assertServable } from '../routing/assert-servable';
import { readJson } from '../schema/read-json';
import { validationError } from '../schema/validation-error';
import type { SessionDO } from '../session/session-do';
import { type RpcResult, unavailable, unwrap } from '../session/session-rpc';
import {
  createSessionSchema,
  LOCAL_OWNER,
  newSessionId,
  postMessageSchema,
  SESSION_ID_PATTERN,
} from '../session/session-settings';
import { SSE_HEADERS } from '../stream/sse-headers';

const ownerOf = (c: Context<AppEnv>) => c.get('keyId') ?? LOCAL_OWNER;

const notFound = () =>
  new GatewayError(404, 'not_found_error', 'No such session.', { code: 'session_not_found', param: 'id' });

function sessionStub(c: Context<AppEnv>, id: string): DurableObjectStub<SessionDO> {
  if (!SESSION_ID_PATTERN.test(id)) throw notFound();
  const sessions = c.env.SESSIONS;
  if (!sessions) {
    throw new GatewayError(503, 'server_error', 'Sessions are not available: the SESSIONS binding is missing.', {
      code: 'sessions_unavailable',
    });
  }
  return sessions.get(sessions.idFromName(id));
}

/**
 * Calls one of the session object's RPC methods with the caller as its owner. The object is
 * only reachable through here, so it can trust the owner and the lease this route hands it. The
 * client's hang-up is not passed on: a generation outlives its viewers (that is what resume is
 * for; interrupt stops it). A busy or failing object answers 503 with Retry-After instead of
 * leaving the client hanging.
 */
async function callSession<T>(
  c: Context<AppEnv>,
  call: (stub: DurableObjectStub<SessionDO>, owner: string) => Promise<RpcResult<T>>,
): Promise<T> {
  const stub = sessionStub(c, c.req.param('id') ?? '');
  let result: RpcResult<T>;
  try {
    result = await call(stub, ownerOf(c));
  } catch {
    throw unavailable();
  }
  return unwrap(result);
}

const sse = (body: ReadableStream<Uint8Array>) => new Response(body, { headers: SSE_HEADERS });

export const sessions = new Hono<AppEnv>()
  .post('/', async (c) => {
    const parsed = createSessionSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationError(parsed.error);
    // The model is fixed for the session's life, so checking it here covers every turn.
    await admit(c, { model: parsed.data.model, holdsStream: false });
    assertServable(parsed.data.model, settingsFor(c.env), registryFor(c.env));
    const id = newSessionId();
    const settings = { ...parsed.data, id, owner: ownerOf(c), created_at: Date.now() };
    let result: RpcResult<typeof settings>;
    try {
      result = await sessionStub(c, id).create(settings);
    } catch {
      throw unavailable();
    }
    const created = unwrap(result);
    const db = c.env.DB;
    if (db) {
      const insert = db.prepare('INSERT INTO sessions (id, owner, model, created_at) VALUES (?, ?, ?, ?)');
      await withStorage('session index', () =>
        insert.bind(id, settings.owner, settings.model, settings.created_at).run(),
      );
    }
    return c.json(created, 201);
  })
  .get('/', async (c) => {
    const db = c.env.DB;
    if (!db) return c.json({ object: 'list', data: [] });
    const list = db.prepare(
      'SELECT id, model, created_at FROM sessions WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT 100',
    );
    const { results } = await withStorage('session index', () => list.bind(ownerOf(c)).all());
    return c.json({ object: 'list', data: results });
  })
  .get('/:id', async (c) => c.json(await callSession(c, (stub, owner) => stub.state(owner))))
  .delete('/:id', async (c) => {
    const deleted = await callSession(c, (stub, owner) => stub.remove(owner));
    const remove = c.env.DB?.prepare('DELETE FROM sessions WHERE id = ?').bind(c.req.param('id'));
    if (remove) await withStorage('session index', () => remove.run());
    return c.json(deleted);
  })
  .post('/:id/messages', async (c) => {
    // The message is read (within BODY_READ_TIMEOUT_MS: see requestBodyLimit) and checked before
    // a slot is taken: a client that sends half a body and goes silent holds nothing. The object
    // checks it again.
    const parsed = postMessageSchema.safeParse(await readJson(c.req.raw));
    if (!parsed.success) throw validationError(parsed.error);
    // A turn is a stream like any other: it takes one of the key's concurrent-stream slots. The
    // object gives the slot back when the turn ends; a message it refused gives it back here.
    const release = await admit(c, { holdsStream: true });
    try {
      const body = JSON.stringify(parsed.data);
      const posted = await callSession(c, (stub, owner) => stub.postMessage(owner, body, release.lease));
      release.handOff();
      return 'stream' in posted ? sse(posted.stream) : c.json(posted.reply);
    } catch (error) {
      release();
      throw error;
    }
  })
  .post('/:id/interrupt', async (c) => c.json(await callSession(c, (stub, owner) => stub.interrupt(owner))))
  .post('/:id/warmup', async (c) => {
    // A started warm-up is an upstream call: it holds one of the key's stream slots until it
    // ends, and the object gives it back (at once, when it skips or refuses the warm-up).
    const release = await admit(c, { holdsStream: true });
    try {
      const body = await c.req.text();
      const decision = await callSession(c, (stub, owner) => stub.warmup(owner, body, release.lease));
      release.handOff();
      return c.json(decision, 202);
    } catch (error) {
      release();
      throw error;
    }
  })
  .get('/:id/stream', async (c) => {
    const lastEventId = c.req.header('last-event-id') ?? c.req.query('last_event_id') ?? null;
    return sse(await callSession(c, (stub, owner) => stub.stream(owner, lastEventId)));
  })
  .get('/:id/ws', async (c) => {
    const stub = sessionStub(c, c.req.param('id'));
    // Only what this route set may reach the object, never a header a client sent.
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-infe-owner', ownerOf(c));
    headers.delete(KEY_LIMITS_HEADER);
    const key = c.get('apiKey');
    if (key)
      headers.set(
        KEY_LIMITS_HEADER,
        JSON.stringify({ id: key.id, rpm: key.rpm, concurrency: key.concurrency, budget: key.budget }),
      );
    try {
      return await stub.fetch('https://session.internal/ws', { headers });
    } catch {
      throw unavailable();
    }
  });
