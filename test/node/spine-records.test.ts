import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, fakeUrl, uniqueId } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

/**
 * One spine: a chat completion and a session turn are prepared, run and recorded by the same
 * code, so the same alias and prompt must leave the same facts in the request log. A session
 * turn runs in the session's Durable Object, which reads the gateway's own bindings, so the
 * alias lives in a gateway started with it, over real HTTP.
 */
/** The fields of a log record this test reads (the node project does not compile src/). */
interface RequestLogRecord {
  route: string;
  provider?: string;
  providerModel?: string;
  status: number;
  outcome: string;
  attempts: Array<{ provider: string; model: string; error?: string; hedge?: string; ttftMs?: number }>;
  retries: number;
  fallbacks: number;
  hedgesLost?: { legs: number; inputTokens: number };
  guard?: unknown[];
  structured?: unknown;
  moderation?: unknown[];
  tokens: { input?: number; output?: number; estimated: boolean };
  finishReason?: string;
  stages?: Record<string, { heldEvents: number }>;
  upstreamTtftMs?: number;
  clientTtftMs?: number;
}

const GAP_MS = 40;
// The reply opens with the guarded phrase: the guard holds its first characters until the
// phrase is complete, five upstream events later, so the client sees content after the provider sent it.
const reply = 'Project Falcon is green.';
const slow = `local/${scenario({ id: uniqueId('spine-slow'), ttft: 5000, tokens: 2 })}`;
const fast = `local/${scenario({ id: uniqueId('spine-fast'), text: reply, gap: GAP_MS })}`;
const alias = uniqueId('spine');

let gateway: RunningGateway;
beforeAll(async () => {
  gateway = await startGateway(
    {
      LOCAL_BASE_URL: `${fakeUrl()}/v1`,
      UPSTREAM_MAX_RETRIES: '0',
      GATEWAY_CONFIG: JSON.stringify({
        aliases: {
          [alias]: {
            targets: [slow, fast],
            hedge: { after_ms: 50 },
            pipeline: {
              guard: { rules: [{ id: 'codename', kind: 'phrase', phrases: ['project falcon'], action: 'redact' }] },
            },
          },
        },
      }),
    },
    { logs: true },
  );
});
afterAll(() => gateway?.dispose());

const post = (path: string, body: unknown) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function recordOf(route: string): Promise<RequestLogRecord> {
  const rows = await eventually(
    async () =>
      ((await (await fetch(`${gateway.url}/v1/logs?model=${alias}`)).json()) as { data: RequestLogRecord[] }).data,
    (data) => data.some((row) => row.route === route),
    10_000,
  );
  const record = rows.find((row) => row.route === route);
  if (!record) throw new Error(`no ${route} record for ${alias}`);
  return record;
}

/** The facts that must not depend on the entry point (times only as present, and in order). */
const facts = (record: RequestLogRecord) => ({
  provider: record.provider,
  providerModel: record.providerModel,
  status: record.status,
  outcome: record.outcome,
  attempts: record.attempts.map(({ ttftMs, ...attempt }) => ({ ...attempt, timed: ttftMs !== undefined })),
  retries: record.retries,
  fallbacks: record.fallbacks,
  hedgesLost: record.hedgesLost,
  guard: record.guard,
  structured: record.structured,
  moderation: record.moderation,
  tokens: record.tokens,
  finishReason: record.finishReason,
  guardHeld: (record.stages?.guard?.heldEvents ?? 0) > 0,
});

describe('one spine: chat completion and session turn', () => {
  it('the same alias and request give equivalent log records as a chat completion and as a session turn', async () => {
    const content = 'How is the project?';
    const chat = await post('/v1/chat/completions', {
      model: alias,
      stream: true,
      messages: [{ role: 'user', content }],
    });
    expect(chat.status).toBe(200);
    expect(await chat.text()).toContain('[REDACTED:codename]');

    const created = await post('/v1/sessions', { model: alias });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const turn = (await (await post(`/v1/sessions/${id}/messages`, { content })).json()) as {
      message: { content: string; status: string };
    };
    expect(turn.message).toMatchObject({ content: '[REDACTED:codename] is green.', status: 'complete' });

    const viaChat = await recordOf('/v1/chat/completions');
    const viaTurn = await recordOf('/v1/sessions/:id/messages');
    expect(facts(viaTurn)).toEqual(facts(viaChat));
    // And what they agree on is what happened: the hedge won on the fast target, the slow leg
    // lost; the guard redacted; the provider's usage was used.
    expect(facts(viaChat)).toMatchObject({
      provider: 'local',
      providerModel: fast.slice('local/'.length),
      outcome: 'ok',
      attempts: [
        { provider: 'local', model: fast.slice('local/'.length), hedge: 'won', timed: true },
        { provider: 'local', model: slow.slice('local/'.length), error: 'hedge_lost', timed: false },
      ],
      hedgesLost: { legs: 1, inputTokens: expect.any(Number) },
      guard: [{ rule: 'codename', action: 'redact' }],
      tokens: { input: expect.any(Number), output: expect.any(Number), estimated: false },
      guardHeld: true,
    });
    for (const record of [viaChat, viaTurn]) {
      expect(record.upstreamTtftMs).toBeGreaterThanOrEqual(0);
      // The client's first content is the redaction, which waits for four more upstream events.
      expect(record.clientTtftMs).toBeGreaterThanOrEqual((record.upstreamTtftMs ?? 0) + 3 * GAP_MS);
    }
  });
});
