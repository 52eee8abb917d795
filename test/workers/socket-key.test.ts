import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEY_CACHE_MS } from '../../src/auth/key-store';
import { eventually } from '../support/fake-control';
import { callGateway } from './gateway';
import { bearer, createKey, deployed, type KeyOptions } from './keys';

interface Frame {
  type: string;
  data: { code?: string; reason?: string };
}

/** A session owned by a new key, and a WebSocket on it that records what it receives and how it closed. */
async function socketSession(options: KeyOptions & { warmup?: boolean } = {}) {
  const { id: keyId, key } = await createKey(options);
  const created = await callGateway({
    path: '/v1/sessions',
    body: { model: 'sim/fast', system: 'Be brief.', warmup: options.warmup ?? false },
    env: deployed(),
    headers: bearer(key),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const res = await callGateway({
    path: `/v1/sessions/${id}/ws`,
    env: deployed(),
    headers: { ...bearer(key), upgrade: 'websocket' },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket as WebSocket;
  ws.accept();
  const frames: Frame[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })),
  );
  ws.addEventListener('message', (event) => {
    frames.push(JSON.parse(event.data as string));
  });
  /** Sends one turn and waits for its finish. */
  const turn = async () => {
    const before = frames.filter((f) => f.type === 'finish').length;
    ws.send(JSON.stringify({ type: 'message', content: 'Hi' }));
    await eventually(
      async () => frames.filter((f) => f.type === 'finish').length,
      (finished) => finished > before,
    );
  };
  return { keyId, ws, frames, closed, turn };
}

describe('a session WebSocket re-checks its key on every turn and warm-up', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a key revoked mid-session: refused within the key cache time, and the socket closed with 4401', async () => {
    const { keyId, ws, frames, closed, turn } = await socketSession();
    await turn();
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(Date.now(), keyId).run();
    // The same cache time as the HTTP path: past it, the next turn looks the key up again.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + KEY_CACHE_MS + 1 });
    ws.send(JSON.stringify({ type: 'message', content: 'Again' }));
    expect(await closed).toEqual({ code: 4401, reason: 'invalid_api_key' });
    expect(frames.at(-1)).toMatchObject({ type: 'error', data: { code: 'invalid_api_key' } });
    expect(frames.filter((f) => f.type === 'turn-start')).toHaveLength(1);
  });

  it('a warm-up on a revoked key is refused too', async () => {
    const { keyId, ws, frames, closed, turn } = await socketSession({ warmup: true });
    await turn();
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(Date.now(), keyId).run();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + KEY_CACHE_MS + 1 });
    ws.send(JSON.stringify({ type: 'warmup' }));
    expect((await closed).code).toBe(4401);
    expect(frames.some((f) => f.type === 'warmup')).toBe(false);
  });

  it('a key that expires mid-session: the next turn closes the socket with 4401 expired_api_key', async () => {
    const { ws, closed, turn } = await socketSession({ expiresAt: Date.now() + 60_000 });
    await turn();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_001 });
    ws.send(JSON.stringify({ type: 'message', content: 'Again' }));
    expect(await closed).toEqual({ code: 4401, reason: 'expired_api_key' });
  });

  it('a key whose models no longer include the session model: 4403 model_not_allowed', async () => {
    const { keyId, ws, closed, turn } = await socketSession();
    await turn();
    await env.DB.prepare('UPDATE api_keys SET models = ? WHERE id = ?').bind('["local/*"]', keyId).run();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + KEY_CACHE_MS + 1 });
    ws.send(JSON.stringify({ type: 'message', content: 'Again' }));
    expect(await closed).toEqual({ code: 4403, reason: 'model_not_allowed' });
  });
});
