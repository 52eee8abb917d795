import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv, settledAfter } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';
import { socketMessages } from './session-client';

describe('gateway keys', () => {
  it('refuses every /v1 call on a deployment without keys, and says how to create one', async () => {
    await env.DB.prepare('DELETE FROM api_keys').run();
    const res = await callGateway({ body: chat('sim/fast'), env: deployed() });
    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error.code).toBe('no_keys_configured');
    expect(error.message).toContain('npm run keys');
    expect((await callGateway({ path: '/v1/models', env: deployed() })).status).toBe(401);
  });

  it('serves a valid key sent as Bearer or x-api-key, and refuses a missing or wrong one', async () => {
    const { key } = await createKey();
    expect((await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) })).status).toBe(200);
    const anthropicStyle = await callGateway({
      path: '/v1/messages',
      body: { model: 'sim/fast', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] },
      env: deployed(),
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    });
    expect(anthropicStyle.status).toBe(200);
    expect(await errorOf(await callGateway({ body: chat('sim/fast'), env: deployed() }))).toMatchObject({
      code: 'missing_api_key',
    });
    const wrong = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(`${key}x`) });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe('invalid_api_key');
  });

  it('refuses revoked and expired keys', async () => {
    const revoked = await createKey({ revoked: true });
    const expired = await createKey({ expiresAt: Date.now() - 1000 });
    expect(
      (await errorOf(await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(revoked.key) })))
        .code,
    ).toBe('invalid_api_key');
    expect(
      (await errorOf(await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(expired.key) })))
        .code,
    ).toBe('expired_api_key');
  });

  it('limits a key to its models', async () => {
    const { key } = await createKey({ models: ['sim/*'] });
    expect((await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) })).status).toBe(200);
    const res = await callGateway({ body: chat('local/fake'), env: deployed(), headers: bearer(key) });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('model_not_allowed');
  });

  it('limits requests per minute with 429 and Retry-After', async () => {
    const { key } = await createKey({ rpm: 2 });
    for (let i = 0; i < 2; i++) {
      expect((await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) })).status).toBe(200);
    }
    const res = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(res)).code).toBe('key_rate_limited');
  });

  it('limits concurrent streams exactly, and frees the slot when a stream ends for any reason', async () => {
    const { key } = await createKey({ concurrency: 1 });
    const scenarioId = uniqueId('conc');
    const slow = await callGateway({
      body: chat(`local/${scenario({ id: scenarioId, tokens: 200, gap: 20 })}`, { stream: true }),
      env: deployed(),
      headers: bearer(key),
    });
    const reader = (slow.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const second = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) });
    expect(second.status).toBe(429);
    expect((await errorOf(second)).code).toBe('key_concurrency_limited');
    await reader.cancel();
    // The slot is given back in the request's waitUntil once the stream has ended: wait for exactly that.
    await settledAfter(slow);
    const after = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) });
    expect(after.status).toBe(200);
  });

  describe('session turns hold a stream slot', () => {
    const keyed = async (concurrency: number) => {
      const { key } = await createKey({ concurrency });
      const as = (init: { path: string; body?: unknown }) =>
        callGateway({ ...init, env: deployed(), headers: bearer(key) });
      const session = async (model: string) =>
        ((await (await as({ path: '/v1/sessions', body: { model, on_busy: 'reject' } })).json()) as { id: string }).id;
      const longModel = `local/${scenario({ id: uniqueId('conc-session'), tokens: 200, gap: 20 })}`;
      const [long, other] = await Promise.all([session(longModel), session('sim/fast')]);
      /** Starts the long turn and waits for its first bytes. */
      const startLong = async () => {
        const res = await as({ path: `/v1/sessions/${long}/messages`, body: { content: 'Go', stream: true } });
        expect(res.status).toBe(200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        return reader;
      };
      const message = (id: string) => as({ path: `/v1/sessions/${id}/messages`, body: { content: 'Hi' } });
      /** A message, retried briefly while a slot is being given back (that happens after the response). */
      const admitted = async (id: string) => {
        let res = await message(id);
        for (let i = 0; res.status === 429 && i < 50; i++) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          res = await message(id);
        }
        return res;
      };
      return { key, as, long, other, startLong, message, admitted };
    };

    it('until the turn ends: a running turn leaves no slot for a request or another turn', async () => {
      const { key, as, long, other, startLong, message, admitted } = await keyed(1);
      const reader = await startLong();
      const chatRes = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) });
      expect((await errorOf(chatRes)).code).toBe('key_concurrency_limited');
      const second = await message(other);
      expect(second.status).toBe(429);
      expect((await errorOf(second)).code).toBe('key_concurrency_limited');
      // Interrupting ends the turn, and the session object gives the slot back.
      expect((await as({ path: `/v1/sessions/${long}/interrupt`, body: {} })).status).toBe(200);
      await reader.cancel();
      expect((await admitted(other)).status).toBe(200);
    });

    it('over a WebSocket too: each turn is admitted against the key, and its slot given back when it ends', async () => {
      const { key, long, other, admitted } = await keyed(1);
      const res = await callGateway({
        path: `/v1/sessions/${long}/ws`,
        env: deployed(),
        headers: { ...bearer(key), upgrade: 'websocket' },
      });
      expect(res.status).toBe(101);
      const ws = res.webSocket as WebSocket;
      ws.accept();
      const { received, until } = socketMessages(ws);
      ws.send(JSON.stringify({ type: 'message', content: 'Go' }));
      await until((messages) => messages.some((m) => m.type === 'token'));
      // The socket's turn holds the key's one slot: neither HTTP nor a second socket turn gets one.
      const chatRes = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer(key) });
      expect((await errorOf(chatRes)).code).toBe('key_concurrency_limited');
      ws.send(JSON.stringify({ type: 'message', content: 'Again' }));
      await until((messages) => messages.some((m) => m.type === 'error'));
      expect(received.find((m) => m.type === 'error')?.data.code).toBe('key_concurrency_limited');
      ws.send(JSON.stringify({ type: 'interrupt' }));
      await until((messages) => messages.at(-1)?.data.reason === 'interrupted');
      ws.close();
      expect((await admitted(other)).status).toBe(200);
    });

    it('and a message the session refuses gives its slot back at once', async () => {
      const { as, long, other, startLong, message, admitted } = await keyed(2);
      const reader = await startLong();
      // The second slot goes to a message the busy session refuses (on_busy 'reject')...
      const refused = await message(long);
      expect(refused.status).toBe(409);
      expect((await errorOf(refused)).code).toBe('session_busy');
      // ...and is free again: another session's turns run beside the long one.
      for (let i = 0; i < 2; i++) expect((await admitted(other)).status).toBe(200);
      await as({ path: `/v1/sessions/${long}/interrupt`, body: {} });
      await reader.cancel();
    });
  });

  it('records the key id in the log record and gives each key its own sessions', async () => {
    const a = await createKey();
    const b = await createKey();
    const created = await callGateway({
      path: '/v1/sessions',
      body: { model: 'sim/fast' },
      env: deployed(),
      headers: bearer(a.key),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await callGateway({ path: `/v1/sessions/${id}`, env: deployed(), headers: bearer(a.key) })).status).toBe(
      200,
    );
    expect((await callGateway({ path: `/v1/sessions/${id}`, env: deployed(), headers: bearer(b.key) })).status).toBe(
      404,
    );
    const listed = (await (
      await callGateway({ path: '/v1/sessions', env: deployed(), headers: bearer(b.key) })
    ).json()) as {
      data: Array<{ id: string }>;
    };
    expect(listed.data.map((s) => s.id)).not.toContain(id);
  });
});

describe('limits and CORS', () => {
  it('honours a configured body limit with 413', async () => {
    const res = await callGateway({
      body: chat('sim/fast', { messages: [{ role: 'user', content: 'x'.repeat(2000) }] }),
      env: fakeEnv({ MAX_BODY_BYTES: '1000' }),
    });
    expect(res.status).toBe(413);
  });

  it('answers cross-origin requests only for configured origins', async () => {
    const env = fakeEnv({ CORS_ORIGINS: 'https://app.example' });
    const preflight = (origin: string) =>
      callGateway({
        path: '/v1/chat/completions',
        method: 'OPTIONS',
        env,
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    expect((await preflight('https://app.example')).headers.get('access-control-allow-origin')).toBe(
      'https://app.example',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const none = await callGateway({ body: chat('sim/fast'), headers: { origin: 'https://app.example' } });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps a canary provider key out of every response and log record, on every failure path', async () => {
    const canary = 'sk-canary-provider-key-0123456789';
    const env = fakeEnv({ LOCAL_API_KEY: canary, UPSTREAM_MAX_RETRIES: '0', LOG_PAYLOADS: 'true' });
    const lines: string[] = [];
    const original = { log: console.log, error: console.error };
    console.log = (...args: unknown[]) => lines.push(args.join(' '));
    console.error = (...args: unknown[]) => lines.push(args.join(' '));
    try {
      const cases = [
        { status: 401 },
        { status: 500 },
        { status: 429, retry_after: 1 },
        { error_first: 1 },
        { tokens: 3, error_after: 1 },
        { tokens: 3, reset_after: 1 },
        { tokens: 3, malformed_at: 1 },
        { tokens: 3, no_finish: 1 },
      ];
      for (const fault of cases) {
        for (const stream of [true, false]) {
          const res = await callGateway({
            body: chat(`local/${scenario({ id: uniqueId('canary'), ...fault })}`, { stream }),
            env,
          });
          const text = await res.text();
          expect(text).not.toContain(canary);
          for (const [, value] of res.headers) expect(value).not.toContain(canary);
        }
      }
    } finally {
      console.log = original.log;
      console.error = original.error;
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(canary);
  });
});
