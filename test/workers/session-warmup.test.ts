import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, fakeLog, uniqueId, untilLogged } from '../support/fake-control';
import { callGateway } from './gateway';
import { createSession, post, readFrames, socketMessages, tokensOf } from './session-client';

/** A session with `warmup: true` on the fake provider, and two turns of history. */
async function warmSession(options: { provider?: string; scenario?: Record<string, string | number> } = {}) {
  const scenarioId = uniqueId('warm');
  // A gap, so a warm-up's hang-up after its first token is what the fake provider sees.
  const model = `${options.provider ?? 'local'}/${scenario({ id: scenarioId, tokens: 3, gap: 30, ...options.scenario })}`;
  const { id } = await createSession({ model, system: 'Be brief.', warmup: true });
  for (const content of ['First', 'Second']) await (await post(id, 'messages', { content })).json();
  return { id, scenarioId, model };
}

/**
 * The fake provider's log once it has seen `requests` requests and every one of them ended: a
 * warm-up is let go after its first token, or ends on its own when the gateway was slower than the
 * fake's token gap.
 */
const settled = (scenarioId: string, requests: number) => untilLogged(scenarioId, { requests, ended: requests });

/** The warm-up log records for a model, once at least one reached D1 through the queue. */
async function warmupRecords(model: string): Promise<any[]> {
  const rows = await eventually(
    async () =>
      ((await (await callGateway({ path: `/v1/logs?model=${encodeURIComponent(model)}` })).json()) as { data: any[] })
        .data,
    (data) => data.some((row) => row.route === 'session.warmup'),
    8000,
  );
  return rows.filter((row) => row.route === 'session.warmup');
}

const warmup = async (id: string, body?: unknown) => {
  const res = await post(id, 'warmup', body);
  return { status: res.status, body: (await res.json()) as any };
};

describe('session warm-up: signal and caps', () => {
  it('is refused with 400 warmup_disabled unless the session enables it', async () => {
    const { id } = await createSession({ model: `local/${scenario({ id: uniqueId('warm-off') })}` });
    const { status, body } = await warmup(id);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'warmup_disabled', param: 'warmup', type: 'invalid_request_error' });
  });

  it('skips a session with nothing to warm: no system prompt and no history yet', async () => {
    const { id } = await createSession({ model: `local/${scenario({ id: uniqueId('warm-empty') })}`, warmup: true });
    expect(await warmup(id)).toEqual({ status: 202, body: { warmup: 'skipped', reason: 'empty' } });
  });

  it('takes no fields: a draft is refused by name rather than silently dropped', async () => {
    const { id } = await warmSession();
    const { status, body } = await warmup(id, { draft: 'Hel' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'unsupported_field', param: 'draft' });
  });

  it('sends the next turn’s context with a one-token cap; the real turn then shares that prefix', async () => {
    const { id, scenarioId } = await warmSession({ scenario: { prefix_cache: 5 } });
    expect(await warmup(id)).toEqual({ status: 202, body: { warmup: 'started' } });
    const warmed = (await settled(scenarioId, 3)).lastBody as any;
    expect(warmed.max_tokens).toBe(1);
    expect(warmed.stream).toBe(true);
    expect(warmed.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'First' },
      { role: 'assistant', content: 'tok0 tok1 tok2 ' },
      { role: 'user', content: 'Second' },
      { role: 'assistant', content: 'tok0 tok1 tok2 ' },
      { role: 'user', content: '.' },
    ]);
    await (await post(id, 'messages', { content: 'Third' })).json();
    const turn = await fakeLog(scenarioId);
    const sent = (turn.lastBody as any).messages;
    expect(sent.slice(0, -1)).toEqual(warmed.messages.slice(0, -1));
    expect(sent.at(-1)).toEqual({ role: 'user', content: 'Third' });
    // The fake's prefix cache: only the new message was left to prefill.
    expect((turn as any).lastPrefix.uncachedChars).toBe(JSON.stringify(sent.at(-1)).length);
  });

  it('skips a context that is already warm, and one while a warm-up is in flight', async () => {
    const { id, scenarioId } = await warmSession({ scenario: { ttft: 200 } });
    expect((await warmup(id)).body).toEqual({ warmup: 'started' });
    expect((await warmup(id)).body).toEqual({ warmup: 'skipped', reason: 'in_flight' });
    await settled(scenarioId, 3);
    expect((await warmup(id)).body).toEqual({ warmup: 'skipped', reason: 'unchanged' });
    expect((await fakeLog(scenarioId)).requests).toBe(3);
  });

  it('starts at most SESSION_WARMUP_PER_MINUTE (6) in a minute, even as the context changes', async () => {
    const { id, scenarioId } = await warmSession();
    for (let i = 0; i < 6; i++) {
      expect((await warmup(id)).body).toEqual({ warmup: 'started' });
      await settled(scenarioId, 3 + 2 * i);
      await (await post(id, 'messages', { content: `Turn ${i}` })).json();
    }
    expect((await warmup(id)).body).toEqual({ warmup: 'skipped', reason: 'rate_limited' });
  });

  it('is skipped during a generation and leaves that generation alone', async () => {
    const { id, scenarioId } = await warmSession({ scenario: { tokens: 20 } });
    const stream = await post(id, 'messages', { content: 'Go', stream: true });
    const seen = await readFrames(stream, 3);
    expect((await warmup(id)).body).toEqual({ warmup: 'skipped', reason: 'generating' });
    const state = await eventually(
      async () => (await (await callGateway({ path: `/v1/sessions/${id}` })).json()) as any,
      (s) => s.generating === false,
      5000,
    );
    expect(seen[0]?.event).toBe('turn-start');
    expect(state.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'complete' });
    expect(state.messages.at(-1).content).toBe(Array.from({ length: 20 }, (_, i) => `tok${i} `).join(''));
    expect((await fakeLog(scenarioId)).requests).toBe(3);
    expect(tokensOf(seen)).toBe('tok0 tok1 ');
  });
});

describe('session warm-up: a turn during a warm-up', () => {
  it('does not wait for it, and the warm-up still runs to its first token', async () => {
    const { id, scenarioId, model } = await warmSession({ scenario: { ttft: 300 } });
    expect((await warmup(id)).body).toEqual({ warmup: 'started' });
    const sentAt = Date.now();
    const [start] = await readFrames(await post(id, 'messages', { content: 'Third', stream: true }), 1);
    expect(start?.event).toBe('turn-start');
    expect(Date.now() - sentAt).toBeLessThan(250);
    await settled(scenarioId, 4);
    const [record] = await warmupRecords(model);
    expect(record).toMatchObject({ outcome: 'ok' });
    expect(record.upstreamTtftMs).toBeGreaterThanOrEqual(300);
  });
});

describe('session warm-up: log and providers', () => {
  it('writes one log record per warm-up, route session.warmup, with TTFT and tokens', async () => {
    const { id, scenarioId, model } = await warmSession();
    await warmup(id);
    await settled(scenarioId, 3);
    const records = await warmupRecords(model);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'ok', status: 200, provider: 'local', stream: true });
    expect(records[0].upstreamTtftMs).toBeGreaterThanOrEqual(0);
    expect(records[0].tokens).toMatchObject({ output: 1, estimated: true });
    expect(records[0].tokens.input).toBeGreaterThan(0);
    // What it consumed is accounted like any request's: the fake model has no price, so it is named.
    expect(records[0].cost).toEqual({ estimated: true, unpriced: [model] });
  });

  it('Anthropic: cache_control on the system prompt and the last block before the new message, warm-up included', async () => {
    const { id, scenarioId } = await warmSession({ provider: 'anthropic', scenario: { prefix_cache: 5 } });
    const turn = (await fakeLog(scenarioId)).lastBody as any;
    const ephemeral = { type: 'ephemeral' };
    expect(turn.system).toEqual([{ type: 'text', text: 'Be brief.', cache_control: ephemeral }]);
    expect(turn.messages.map((m: any) => m.content.map((b: any) => b.cache_control ?? null))).toEqual([
      [null],
      [ephemeral],
      [null],
    ]);
    await warmup(id);
    const warmed = (await settled(scenarioId, 3)).lastBody as any;
    expect(warmed.max_tokens).toBe(1);
    expect(warmed.messages.at(-2).content.at(-1).cache_control).toEqual(ephemeral);
    await (await post(id, 'messages', { content: 'Third' })).json();
    const after = await fakeLog(scenarioId);
    expect((after.lastBody as any).messages.slice(0, -1)).toEqual(warmed.messages.slice(0, -1));
    // Everything up to the breakpoint the warm-up wrote is read from the cache.
    expect((after as any).lastPrefix.uncachedChars).toBeLessThan(100);
  });

  it('WebSocket: {type:"warmup"} gets its answer on that socket alone', async () => {
    const { id, scenarioId } = await warmSession();
    const res = await callGateway({ path: `/v1/sessions/${id}/ws`, headers: { upgrade: 'websocket' } });
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const { received, until } = socketMessages(ws);
    ws.send(JSON.stringify({ type: 'warmup' }));
    await until((messages) => messages.length >= 1);
    expect(received).toEqual([{ id: 0, type: 'warmup', data: { warmup: 'started' } }]);
    expect(((await settled(scenarioId, 3)).lastBody as any).max_tokens).toBe(1);
    ws.close();
  });
});
