import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { eventually } from '../support/fake-control';
import { callGateway } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

/** Priced in the Worker's own env (vitest.config.ts): session objects read no test env. */
const SESSION_MODEL = 'local/fake;id=budget-session;tokens=5';
const OUTPUT_USD = 1000 / 1e6;

async function budgetedSessions(usd: number) {
  const budget = { usd, period: 'day' as const };
  const { id: keyId, key } = await createKey({ budget });
  const limiter = env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(keyId));
  const as = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    callGateway({ path, body, env: deployed(), headers: { ...bearer(key), ...headers } });
  const session = async (settings: Record<string, unknown>) => {
    const res = await as('/v1/sessions', { model: SESSION_MODEL, ...settings });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  /** The key's budget once every open reservation is settled (a turn settles after its reply). */
  const settled = () =>
    eventually(
      () => limiter.budget(budget),
      (state) => state.reserved_usd === 0,
    );
  /** The key's log records on `route` once there are `count` of them (they come through the log queue). */
  const records = async (route: string, count: number) => {
    const rows = await eventually(
      async () =>
        (
          await env.DB.prepare('SELECT record FROM request_logs WHERE key_id = ? AND route = ?')
            .bind(keyId, route)
            .all<{ record: string }>()
        ).results,
      (found) => found.length >= count,
      10_000,
    );
    return rows.map((row) => JSON.parse(row.record) as RequestLogRecord);
  };
  return { key, as, session, settled, records };
}

const costOf = (records: RequestLogRecord[]) => records.reduce((sum, r) => sum + (r.cost?.usd ?? 0), 0);

describe('what runs in Durable Objects spends the key budget like a request: session turns, warm-ups, background responses', () => {
  it('a turn reserves its worst case and settles its cost; one the budget cannot cover leaves no trace', async () => {
    const key = await budgetedSessions(0.02);
    const capped = await key.session({ max_tokens: 5 });
    const turn = await key.as(`/v1/sessions/${capped}/messages`, { content: 'Hi' });
    expect(turn.status).toBe(200);
    const afterTurn = await key.settled();
    const [record] = await key.records('/v1/sessions/:id/messages', 1);
    expect(record?.tokens.output).toBe(5);
    expect(afterTurn.spent_usd).toBeGreaterThan(5 * OUTPUT_USD);
    expect(afterTurn.spent_usd).toBeCloseTo(record?.cost?.usd ?? -1, 8);

    // Without max_tokens a turn is capped at BUDGET_DEFAULT_MAX_TOKENS: far beyond the $0.015 left.
    const uncapped = await key.session({});
    const refused = await key.as(`/v1/sessions/${uncapped}/messages`, { content: 'Hi' });
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).code).toBe('budget_exceeded');
    const state = (await (await key.as(`/v1/sessions/${uncapped}`)).json()) as { messages: unknown[] };
    expect(state.messages).toEqual([]);
    expect(await key.settled()).toMatchObject({ spent_usd: afterTurn.spent_usd });
  });

  it('over a WebSocket, and for a warm-up, the same: reserved, then settled at the records’ cost', async () => {
    const key = await budgetedSessions(1);
    const id = await key.session({ max_tokens: 5, system: 'Be brief.', warmup: true });
    const warm = await key.as(`/v1/sessions/${id}/warmup`, {});
    expect(await warm.json()).toEqual({ warmup: 'started' });
    const res = await key.as(`/v1/sessions/${id}/ws`, undefined, { upgrade: 'websocket' });
    const ws = res.webSocket as WebSocket;
    ws.accept();
    const frames: { type: string }[] = [];
    ws.addEventListener('message', (event) => {
      frames.push(JSON.parse(event.data as string));
    });
    ws.send(JSON.stringify({ type: 'message', content: 'Hi' }));
    await eventually(
      async () => frames.some((frame) => frame.type === 'finish'),
      (finished) => finished,
    );
    ws.close();
    const [turn] = await key.records('/v1/sessions/:id/messages', 1);
    const [warmup] = await key.records('session.warmup', 1);
    const state = await key.settled();
    expect(turn?.cost?.usd).toBeGreaterThan(5 * OUTPUT_USD);
    // The warm-up read the context and wrote one token: it costs, and its cost is charged too.
    expect(warmup?.cost?.usd).toBeGreaterThan(0);
    expect(state.spent_usd).toBeCloseTo(costOf([turn, warmup].filter((r) => r !== undefined)), 8);
  });

  it('a background response (run by its own object) reserves and settles like the rest', async () => {
    const key = await budgetedSessions(1);
    const res = await key.as('/v1/responses', {
      model: SESSION_MODEL,
      input: 'Hi',
      background: true,
      max_output_tokens: 5,
    });
    expect(res.status).toBe(200);
    const [record] = await key.records('/v1/responses', 1);
    const state = await key.settled();
    expect(record?.tokens.output).toBe(5);
    expect(state.spent_usd).toBeGreaterThan(5 * OUTPUT_USD);
    expect(state.spent_usd).toBeCloseTo(record?.cost?.usd ?? -1, 8);
  });

  it('refuses a turn on an unpriced model by name', async () => {
    const key = await budgetedSessions(1);
    const res = await key.as('/v1/sessions', { model: 'local/fake;id=budget-unpriced-session' });
    const { id } = (await res.json()) as { id: string };
    const turn = await key.as(`/v1/sessions/${id}/messages`, { content: 'Hi' });
    expect(turn.status).toBe(403);
    expect(await errorOf(turn)).toMatchObject({ code: 'model_unpriced' });
  });
});
