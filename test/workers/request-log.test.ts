import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { consumeLogBatch } from '../../src/observe/log-consumer';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv, readSse, settledFor } from './gateway';

const admin = fakeEnv({ ADMIN_API_KEY: 'admin-secret' });
const adminHeaders = { authorization: 'Bearer admin-secret' };

async function logsFor(model: string): Promise<RequestLogRecord[]> {
  const res = await callGateway({
    path: `/v1/logs?model=${encodeURIComponent(model)}`,
    env: admin,
    headers: adminHeaders,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: RequestLogRecord[] }).data;
}

describe('request log: one record per request, Queue → D1 → GET /v1/logs', () => {
  it('records a streamed request with timings, tokens and finish reason, through the real queue', async () => {
    const model = `local/${scenario({ id: uniqueId('log'), tokens: 4, gap: 15 })}`;
    // The Queue itself (the other tests hand records straight to the consumer): its consumer runs
    // once a batch is due (max_batch_timeout 1 s in env.dev), with no event a test can await.
    const res = await callGateway({ body: chat(model, { stream: true }), env: fakeEnv({ LOG_QUEUE: env.LOG_QUEUE }) });
    const requestId = res.headers.get('x-request-id');
    await readSse(res);
    const [record] = await eventually(
      () => logsFor(model),
      (rows) => rows.length === 1,
      8000,
    );
    expect(record).toMatchObject({
      requestId,
      route: '/v1/chat/completions',
      model,
      provider: 'local',
      stream: true,
      status: 200,
      outcome: 'ok',
      retries: 0,
      fallbacks: 0,
      finishReason: 'stop',
      tokens: { output: 4, estimated: false },
    });
    expect(record?.upstreamTtftMs).toBeGreaterThanOrEqual(0);
    expect(record?.clientTtftMs).toBeGreaterThanOrEqual(record?.upstreamTtftMs ?? 0);
    expect(record?.interTokenMs?.max).toBeGreaterThanOrEqual(10);
    expect(record?.completion).toBeUndefined();
  });

  it('records failures with their outcome, retries and the error code', async () => {
    const id = uniqueId('log-fail');
    const model = `local/${scenario({ id, status: 500 })}`;
    const res = await callGateway({ body: chat(model), env: fakeEnv({ UPSTREAM_MAX_RETRIES: '1' }) });
    expect(res.status).toBe(502);
    await settledFor(model);
    const rows = await logsFor(model);
    expect(rows).toHaveLength(1);
    const [record] = rows;
    expect(record).toMatchObject({ status: 502, outcome: 'upstream_error', retries: 1, error: 'upstream_http_500' });
    expect(record?.provider).toBeUndefined();
  });

  it('logs the completion only when LOG_PAYLOADS is on', async () => {
    const model = `local/${scenario({ id: uniqueId('log-payload'), tokens: 2 })}`;
    await readSse(await callGateway({ body: chat(model, { stream: true }), env: fakeEnv({ LOG_PAYLOADS: 'true' }) }));
    await settledFor(model);
    const rows = await logsFor(model);
    expect(rows).toHaveLength(1);
    const [record] = rows;
    expect(record?.completion).toBe('tok0 tok1 ');
  });
});

describe('the queue consumer', () => {
  const record = (requestId: string, ts: number, outcome: RequestLogRecord['outcome'] = 'ok'): RequestLogRecord => ({
    requestId,
    ts,
    keyId: null,
    route: '/v1/chat/completions',
    model: 'consumer/test',
    stream: true,
    status: 200,
    outcome,
    attempts: [],
    retries: 0,
    fallbacks: 0,
    tokens: { estimated: true },
    durationMs: 1,
  });

  it('writes a batch in one go and ignores a redelivered record', async () => {
    const ids = [uniqueId('c1'), uniqueId('c2')];
    const messages = ids.map((id, i) => ({ id, timestamp: new Date(), attempts: 1, body: record(id, 1000 + i) }));
    for (let round = 0; round < 2; round++) {
      const batch = createMessageBatch<RequestLogRecord>('infe-request-logs', messages);
      await consumeLogBatch(batch, env);
      expect(await getQueueResult(batch, createExecutionContext())).toMatchObject({
        ackAll: true,
        retryBatch: { retry: false },
      });
    }
    const { results } = await env.DB.prepare('SELECT request_id FROM request_logs WHERE request_id IN (?, ?)')
      .bind(...ids)
      .all();
    expect(results).toHaveLength(2);
  });
});

describe('GET /v1/logs', () => {
  async function seed(model: string, count: number) {
    const messages = Array.from({ length: count }, (_, i) => {
      const r = { ...{ requestId: `${model}-${i}`, ts: 10_000 + i }, model };
      return {
        id: r.requestId,
        timestamp: new Date(),
        attempts: 1,
        body: {
          requestId: r.requestId,
          ts: r.ts,
          keyId: i % 2 ? 'key-a' : 'key-b',
          route: '/v1/chat/completions',
          model,
          stream: true,
          status: 200,
          outcome: i % 3 === 0 ? 'timeout' : 'ok',
          attempts: [],
          retries: 0,
          fallbacks: 0,
          tokens: { estimated: true },
          durationMs: 1,
        } satisfies RequestLogRecord,
      };
    });
    await consumeLogBatch(createMessageBatch('infe-request-logs', messages), env);
  }

  it('pages newest first with a cursor, with no row missing or repeated', async () => {
    const model = uniqueId('paged');
    await seed(model, 7);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = `/v1/logs?model=${model}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await (await callGateway({ path: query, env: admin, headers: adminHeaders })).json()) as {
        data: RequestLogRecord[];
        next_cursor: string | null;
      };
      seen.push(...body.data.map((r) => r.requestId));
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `${model}-${i}`));
  });

  it('filters by outcome, key and time', async () => {
    const model = uniqueId('filtered');
    await seed(model, 6);
    const ids = async (query: string) =>
      (
        (await (
          await callGateway({ path: `/v1/logs?model=${model}&${query}`, env: admin, headers: adminHeaders })
        ).json()) as {
          data: RequestLogRecord[];
        }
      ).data.map((r) => r.requestId.slice(model.length + 1));
    expect(await ids('outcome=timeout')).toEqual(['3', '0']);
    expect(await ids('key=key-a')).toEqual(['5', '3', '1']);
    expect(await ids('since=10002&until=10004')).toEqual(['3', '2']);
  });

  it('rejects a bad filter by name', async () => {
    const res = await callGateway({ path: '/v1/logs?limit=5000', env: admin, headers: adminHeaders });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('limit');
  });

  it('needs the admin key when one is configured, and refuses when none is and the deployment is not local', async () => {
    expect((await callGateway({ path: '/v1/logs', env: admin })).status).toBe(401);
    expect(
      (await callGateway({ path: '/v1/logs', env: admin, headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    const noKey = fakeEnv({ INSECURE_LOCAL_MODE: undefined });
    const res = await callGateway({ path: '/v1/logs', env: noKey });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe('admin_key_not_configured');
    expect((await callGateway({ path: '/v1/logs', env: fakeEnv() })).status).toBe(200);
  });
});

describe('metrics annotation', () => {
  it('ends the stream with a metrics chunk only for clients that opt in', async () => {
    const model = `local/${scenario({ id: uniqueId('metrics'), tokens: 3 })}`;
    const plain = await readSse(await callGateway({ body: chat(model, { stream: true }) }));
    expect(plain.some((f) => f.json?.infe)).toBe(false);
    const opted = await readSse(
      await callGateway({ body: chat(model, { stream: true }), headers: { 'x-infe-annotations': '1' } }),
    );
    const metrics = opted.find((f) => f.json?.infe?.type === 'metrics')?.json;
    expect(metrics.choices).toEqual([]);
    expect(metrics.infe).toMatchObject({ type: 'metrics', outputTokens: 3 });
    expect(metrics.infe.ttftMs).toBeGreaterThanOrEqual(0);
    expect(opted.at(-1)?.data).toBe('[DONE]');
  });
});
