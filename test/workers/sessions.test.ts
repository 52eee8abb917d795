import { abortAllDurableObjects, env, evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, fakeLog, uniqueId, untilHungUp, untilLogged } from '../support/fake-control';
import { callGateway } from './gateway';
import { createSession, parseSessionSse, post, readFrames, socketMessages, tokensOf } from './session-client';

describe('sessions: lifecycle and ownership', () => {
  it('creates, lists, shows and deletes a session', async () => {
    const { id } = await createSession({ model: 'sim/fast', system: 'Be brief.' });
    expect(id).toMatch(/^sess_[A-Za-z0-9_-]{22}$/);
    const list = (await (await callGateway({ path: '/v1/sessions' })).json()) as { data: Array<{ id: string }> };
    expect(list.data.map((s) => s.id)).toContain(id);
    const state = (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any;
    expect(state).toMatchObject({ id, model: 'sim/fast', system: 'Be brief.', on_busy: 'redirect', messages: [] });
    expect((await callGateway({ path: `/v1/sessions/${id}`, method: 'DELETE' })).status).toBe(200);
    expect((await callGateway({ path: `/v1/sessions/${id}` })).status).toBe(404);
  });

  it('answers 404 to another owner and to ids that were never issued', async () => {
    const { id } = await createSession({ model: 'sim/fast' });
    const stub = env.SESSIONS.get(env.SESSIONS.idFromName(id));
    // Every RPC method re-checks the owner, and so does the WebSocket upgrade (the one fetch path).
    for (const call of [
      stub.state('someone-else'),
      stub.interrupt('someone-else'),
      stub.warmup('someone-else', ''),
      stub.postMessage('someone-else', '{"content":"hi"}'),
    ]) {
      const result = await call;
      expect(result.ok ? 200 : result.error.status).toBe(404);
    }
    const res = await stub.fetch('https://session.internal/socket', { headers: { 'x-infe-owner': 'someone-else' } });
    expect(res.status).toBe(404);
    expect((await callGateway({ path: '/v1/sessions/sess_AAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(404);
    expect((await callGateway({ path: '/v1/sessions/not-an-id' })).status).toBe(404);
  });

  it('refuses an unknown or unconfigured model at creation, as a chat completion would', async () => {
    const before = (await (await callGateway({ path: '/v1/sessions' })).json()) as { data: unknown[] };
    for (const model of ['sim/nope', 'nope/model', 'groq/llama-3.3-70b-versatile', 'gpt-4o']) {
      const chat = await callGateway({ body: { model, messages: [{ role: 'user', content: 'Hi' }] } });
      const session = await callGateway({ path: '/v1/sessions', body: { model } });
      expect(chat.status).toBeGreaterThanOrEqual(400);
      expect(chat.status).toBeLessThan(500);
      expect(session.status).toBe(chat.status);
      const [chatError, sessionError] = [(await chat.json()) as any, (await session.json()) as any].map((b) => b.error);
      expect(sessionError).toEqual(chatError);
    }
    const after = (await (await callGateway({ path: '/v1/sessions' })).json()) as { data: unknown[] };
    expect(after.data).toHaveLength(before.data.length);
  });

  it('validates settings by field', async () => {
    const res = await callGateway({ path: '/v1/sessions', body: { model: 'sim/fast', on_busy: 'panic' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('on_busy');
  });
});

describe('sessions: turns', () => {
  it('streams a reply and keeps both sides of the turn in the history', async () => {
    const { id } = await createSession({ model: `local/${scenario({ id: uniqueId('s-turn'), tokens: 3 })}` });
    const res = await post(id, 'messages', { content: 'Hello', stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = parseSessionSse(await res.text());
    expect(frames[0]).toMatchObject({ event: 'turn-start', data: { content: 'Hello' } });
    expect(tokensOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(frames.at(-2)).toMatchObject({ event: 'finish', data: { reason: 'stop' } });
    // The provider reports usage after the finish, and the turn's viewers get it as it came.
    expect(frames.at(-1)).toMatchObject({ event: 'usage', data: { outputTokens: 3 } });
    expect(frames.map((f) => f.id)).toEqual(frames.map((_, i) => (frames[0]?.id ?? 0) + i));
    const state = (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any;
    expect(state.messages.map((m: any) => [m.role, m.content, m.status])).toEqual([
      ['user', 'Hello', 'complete'],
      ['assistant', 'tok0 tok1 tok2 ', 'complete'],
    ]);
  });

  it('relays a refusal as its own event and keeps its text as the reply in the history', async () => {
    const { id } = await createSession({
      model: `local/${scenario({ id: uniqueId('s-refusal'), replay: 'openai-refusal' })}`,
    });
    const frames = parseSessionSse(await (await post(id, 'messages', { content: 'Help?', stream: true })).text());
    const refusal = frames.filter((f) => f.event === 'refusal').map((f) => (f.data as { text: string }).text);
    expect(refusal.join('')).toBe("I'm sorry, I can't help with that.");
    expect(tokensOf(frames)).toBe('');
    const state = (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any;
    expect(state.messages.at(-1)).toMatchObject({ role: 'assistant', content: "I'm sorry, I can't help with that." });
  });

  it('sends only the new message; the context comes from the history, system prompt first', async () => {
    const scenarioId = uniqueId('s-context');
    const { id } = await createSession({
      model: `local/${scenario({ id: scenarioId, tokens: 2 })}`,
      system: 'Be brief.',
    });
    await (await post(id, 'messages', { content: 'First' })).json();
    const second = (await (await post(id, 'messages', { content: 'Second' })).json()) as any;
    expect(second.message).toEqual({ role: 'assistant', content: 'tok0 tok1 ', status: 'complete' });
    expect(((await fakeLog(scenarioId)).lastBody as any).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'First' },
      { role: 'assistant', content: 'tok0 tok1 ' },
      { role: 'user', content: 'Second' },
    ]);
  });

  it('keeps the context start across turns and trims in one large step when over budget', async () => {
    const scenarioId = uniqueId('s-trim');
    // 256 tokens ≈ 1000 chars; each turn adds a 200-char question and a 5-char reply.
    const { id } = await createSession({
      model: `local/${scenario({ id: scenarioId, tokens: 1 })}`,
      context_budget: 256,
    });
    const firsts: string[] = [];
    for (let turn = 0; turn < 8; turn++) {
      await (await post(id, 'messages', { content: `${turn}`.padEnd(200, '.') })).json();
      firsts.push(((await fakeLog(scenarioId)).lastBody as any).messages[0].content.slice(0, 1));
    }
    // Fits through turn 3; turn 4 overflows and is cut to half the budget (its own turn and one
    // before it), and that start holds until the budget is exceeded again.
    expect(firsts).toEqual(['0', '0', '0', '0', '3', '3', '3', '6']);
  });

  it('interrupt aborts the upstream at once and keeps the partial reply, marked interrupted', async () => {
    const scenarioId = uniqueId('s-interrupt');
    const { id } = await createSession({ model: `local/${scenario({ id: scenarioId, tokens: 200, gap: 20 })}` });
    const stream = await post(id, 'messages', { content: 'Tell me a long story', stream: true });
    await readFrames(stream, 4);
    const res = await post(id, 'interrupt');
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ interrupted: true, message: { role: 'assistant', status: 'interrupted' } });
    expect(body.message.content).toMatch(/^tok0 tok1 /);
    expect((await untilHungUp(scenarioId)).hungUp).toBe(1);
    const state = (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any;
    expect(state.generating).toBe(false);
    expect(state.messages.at(-1)).toMatchObject({
      role: 'assistant',
      status: 'interrupted',
      content: body.message.content,
    });
  });

  it('redirect: a new message mid-generation interrupts it and answers with the new instruction in context', async () => {
    const first = uniqueId('s-redirect');
    const { id } = await createSession({ model: `local/${scenario({ id: first, tokens: 40, gap: 20 })}` });
    await readFrames(await post(id, 'messages', { content: 'Write a poem', stream: true }), 3);
    const res = await post(id, 'messages', { content: 'Make it about the sea instead' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).message.status).toBe('complete');
    expect((await untilHungUp(first)).hungUp).toBe(1);
    const messages = ((await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any).messages;
    expect(messages.map((m: any) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'interrupted'],
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    const sent = ((await fakeLog(first)).lastBody as any).messages;
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'Make it about the sea instead' });
    expect(sent.at(-2)).toMatchObject({ role: 'assistant' });
  });

  it('reject: a new message mid-generation gets 409', async () => {
    const { id } = await createSession({
      model: `local/${scenario({ id: uniqueId('s-reject'), tokens: 50, gap: 20 })}`,
      on_busy: 'reject',
    });
    const stream = await post(id, 'messages', { content: 'One', stream: true });
    await readFrames(stream, 2);
    const res = await post(id, 'messages', { content: 'Two' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.code).toBe('session_busy');
    await post(id, 'interrupt');
  });

  it('queue: a new message mid-generation waits for the reply to finish, then runs', async () => {
    const scenarioId = uniqueId('s-queue');
    const { id } = await createSession({
      model: `local/${scenario({ id: scenarioId, tokens: 5, gap: 10 })}`,
      on_busy: 'queue',
    });
    const first = post(id, 'messages', { content: 'One' });
    // Its upstream request has arrived: the first reply is being generated.
    expect((await untilLogged(scenarioId, { requests: 1 })).requests).toBe(1);
    expect(((await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any).generating).toBe(true);
    const second = (await (await post(id, 'messages', { content: 'Two' })).json()) as any;
    expect(((await (await first).json()) as any).message.status).toBe('complete');
    expect(second.message.status).toBe('complete');
    const messages = ((await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any).messages;
    expect(messages.map((m: any) => m.content)).toEqual([
      'One',
      'tok0 tok1 tok2 tok3 tok4 ',
      'Two',
      'tok0 tok1 tok2 tok3 tok4 ',
    ]);
  });
});

describe('sessions: request log', () => {
  it('writes one log record per turn', async () => {
    const model = `local/${scenario({ id: uniqueId('s-log'), tokens: 3 })}`;
    const { id } = await createSession({ model });
    await (await post(id, 'messages', { content: 'Hi' })).json();
    const rows = await eventually(
      async () =>
        ((await (await callGateway({ path: `/v1/logs?model=${encodeURIComponent(model)}` })).json()) as { data: any[] })
          .data,
      (data) => data.length === 1,
      8000,
    );
    expect(rows[0]).toMatchObject({
      route: '/v1/sessions/:id/messages',
      outcome: 'ok',
      provider: 'local',
      finishReason: 'stop',
    });
    expect(rows[0].upstreamTtftMs).toBeGreaterThanOrEqual(0);
  });
});

describe('sessions: guard policy', () => {
  it('redacts the prompt before it is stored or sent, and marks redactions in the reply', async () => {
    const scenarioId = uniqueId('s-guard');
    const guard = { rules: [{ id: 'codename', kind: 'phrase', phrases: ['project falcon'], action: 'redact' }] };
    const model = `local/${scenario({ id: scenarioId, text: 'Status of Project Falcon: green.' })}`;
    const { id } = await createSession({ model, guard });
    const frames = parseSessionSse(
      await (await post(id, 'messages', { content: 'How is project falcon?', stream: true })).text(),
    );
    expect(frames[0]?.data.content).toBe('How is [REDACTED:codename]?');
    expect(tokensOf(frames)).toBe('Status of [REDACTED:codename]: green.');
    expect(frames.filter((f) => f.event === 'guard').map((f) => f.data)).toEqual([
      { action: 'redact', rule: 'codename' },
    ]);
    expect(((await fakeLog(scenarioId)).lastBody as any).messages.at(-1).content).toBe('How is [REDACTED:codename]?');
  });

  it('refuses a blocked prompt with 400 and stores nothing', async () => {
    const guard = { rules: [{ id: 'secret', kind: 'phrase', phrases: ['launch code'], action: 'block' }] };
    const { id } = await createSession({ model: 'sim/fast', guard });
    const res = await post(id, 'messages', { content: 'Tell me the launch code' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('input_blocked');
    expect(((await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any).messages).toEqual([]);
  });

  it('rejects an invalid guard policy when the session is created', async () => {
    const res = await callGateway({
      path: '/v1/sessions',
      body: { model: 'sim/fast', guard: { rules: [{ id: 'x', kind: 'nope' }] } },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toMatch(/^guard/);
  });
});

describe('sessions: resume and viewers', () => {
  it('replays exactly what a client missed, from every reconnect point', async () => {
    const { id } = await createSession({ model: `local/${scenario({ id: uniqueId('s-resume'), tokens: 12 })}` });
    const full = parseSessionSse(await (await post(id, 'messages', { content: 'Go', stream: true })).text());
    expect(full.findLast((f) => f.event !== 'usage')?.event).toBe('finish');
    for (let k = 0; k < full.length; k++) {
      const lastSeen = full[k]?.id;
      const res = await callGateway({
        path: `/v1/sessions/${id}/stream`,
        headers: { 'last-event-id': String(lastSeen) },
      });
      const rest = parseSessionSse(await res.text());
      expect([...full.slice(0, k + 1), ...rest]).toEqual(full);
    }
    const whole = parseSessionSse(await (await callGateway({ path: `/v1/sessions/${id}/stream` })).text());
    expect(whole).toEqual(full);
  });

  it('resumes a live generation after a disconnect with nothing missing or repeated, for several viewers', async () => {
    const { id } = await createSession({ model: `local/${scenario({ id: uniqueId('s-live'), tokens: 30, gap: 10 })}` });
    const firstPart = await readFrames(await post(id, 'messages', { content: 'Go', stream: true }), 5);
    const viewers = await Promise.all([0, 1, 2].map(() => callGateway({ path: `/v1/sessions/${id}/stream` })));
    const lastSeen = firstPart.at(-1)?.id;
    const resumed = await callGateway({
      path: `/v1/sessions/${id}/stream`,
      headers: { 'last-event-id': String(lastSeen) },
    });
    const rest = parseSessionSse(await resumed.text());
    const stitched = [...firstPart, ...rest];
    expect(stitched.map((f) => f.id)).toEqual(stitched.map((_, i) => (stitched[0]?.id ?? 0) + i));
    expect(tokensOf(stitched)).toBe(Array.from({ length: 30 }, (_, i) => `tok${i} `).join(''));
    expect(stitched.findLast((f) => f.event !== 'usage')?.event).toBe('finish');
    for (const viewer of viewers) expect(parseSessionSse(await viewer.text())).toEqual(stitched);
  });

  it('keeps the history across a restart of the object', async () => {
    const { id } = await createSession({ model: `local/${scenario({ id: uniqueId('s-restart'), tokens: 2 })}` });
    expect(((await (await post(id, 'messages', { content: 'Remember me' })).json()) as any).message.status).toBe(
      'complete',
    );
    await evictDurableObject(env.SESSIONS.get(env.SESSIONS.idFromName(id)));
    const state = (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any;
    expect(state.messages.map((m: any) => m.content)).toEqual(['Remember me', 'tok0 tok1 ']);
  });

  it('records a generation cut by a restart as failed, and tells reconnecting clients', async () => {
    const scenarioId = uniqueId('s-lost');
    const { id } = await createSession({ model: `local/${scenario({ id: scenarioId, tokens: 1000, gap: 20 })}` });
    const seen = await readFrames(await post(id, 'messages', { content: 'Go', stream: true }), 3);
    // A crash, not a graceful eviction: the generation in flight dies with the object.
    await abortAllDurableObjects();
    const rest = parseSessionSse(
      await (
        await callGateway({ path: `/v1/sessions/${id}/stream`, headers: { 'last-event-id': String(seen.at(-1)?.id) } })
      ).text(),
    );
    expect(rest.at(-1)).toMatchObject({ event: 'error', data: { code: 'generation_lost' } });
    const state = (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any;
    expect(state.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'failed' });
  });
});

describe('sessions: WebSocket', () => {
  it('takes a message and an interrupt, and sends the same events as SSE', async () => {
    const scenarioId = uniqueId('s-ws');
    const { id } = await createSession({ model: `local/${scenario({ id: scenarioId, tokens: 100, gap: 20 })}` });
    const res = await callGateway({ path: `/v1/sessions/${id}/ws`, headers: { upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const { received, until } = socketMessages(ws);
    ws.send(JSON.stringify({ type: 'message', content: 'Hi' }));
    await until((messages) => messages.filter((m) => m.type === 'token').length >= 3);
    ws.send(JSON.stringify({ type: 'interrupt' }));
    await until((messages) => messages.at(-1)?.type === 'finish');
    expect(received[0]).toMatchObject({ type: 'turn-start', data: { content: 'Hi' } });
    expect(received.at(-1)).toMatchObject({ type: 'finish', data: { reason: 'interrupted' } });
    expect((await untilHungUp(scenarioId)).hungUp).toBe(1);
    const replay = parseSessionSse(await (await callGateway({ path: `/v1/sessions/${id}/stream` })).text());
    expect(replay.map((f) => ({ id: f.id, type: f.event, data: f.data }))).toEqual(received);
    ws.close();
  });
});
