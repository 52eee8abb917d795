import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv, readSse } from './gateway';
import { bearer, createKey, deployed } from './keys';

/** The stored record with this (gateway) request id, once the queue consumer has written it. */
async function storedRecord(requestId: string): Promise<RequestLogRecord> {
  const row = await eventually(
    () =>
      env.DB.prepare('SELECT record FROM request_logs WHERE request_id = ?')
        .bind(requestId)
        .first<{ record: string }>(),
    (found) => found !== null,
    8000,
  );
  return JSON.parse(row?.record ?? '{}') as RequestLogRecord;
}

describe('the request log cannot be evaded', () => {
  it('a replayed X-Request-Id: every request gets its own id and row, the client id recorded beside it', async () => {
    const replayed = uniqueId('replayed');
    const a = await createKey();
    const b = await createKey();
    const callers = [a, a, a, b];
    const ids: string[] = [];
    for (const caller of callers) {
      const res = await callGateway({
        body: chat(`local/${scenario({ id: uniqueId('evade'), tokens: 2 })}`, { stream: true }),
        env: deployed(),
        headers: { ...bearer(caller.key), 'x-request-id': replayed },
      });
      expect(res.status).toBe(200);
      await readSse(res);
      ids.push(res.headers.get('x-request-id') ?? '');
    }
    expect(new Set(ids).size).toBe(4);
    expect(ids).not.toContain(replayed);
    const records = await Promise.all(ids.map(storedRecord));
    expect(records.map((r) => r.keyId)).toEqual(callers.map((caller) => caller.id));
    for (const record of records) expect(record.clientRequestId).toBe(replayed);
  });

  it('a client id that is not plain is not recorded', async () => {
    const res = await callGateway({ body: chat('sim/fast'), headers: { 'x-request-id': `x${'y'.repeat(200)}` } });
    const record = await storedRecord(res.headers.get('x-request-id') ?? '');
    expect(record.clientRequestId).toBeUndefined();
  });

  it('401 and 403 refusals are recorded', async () => {
    const bad = await callGateway({ body: chat('sim/fast'), env: deployed(), headers: bearer('sk-not-a-key') });
    expect(bad.status).toBe(401);
    expect(await storedRecord(bad.headers.get('x-request-id') ?? '')).toMatchObject({
      status: 401,
      outcome: 'rejected',
      error: 'invalid_api_key',
      keyId: null,
    });
    const { id, key } = await createKey({ models: ['local/*'] });
    const forbidden = await callGateway({
      path: '/v1/sessions',
      body: { model: 'sim/fast' },
      env: deployed(),
      headers: bearer(key),
    });
    expect(forbidden.status).toBe(403);
    expect(await storedRecord(forbidden.headers.get('x-request-id') ?? '')).toMatchObject({
      status: 403,
      error: 'model_not_allowed',
      keyId: id,
    });
  });
});

describe('LOG_PAYLOADS', () => {
  it('records the prompt as the provider got it, after the guard redacted it', async () => {
    const guard = { rules: [{ id: 'codename', kind: 'phrase', phrases: ['falcon'], action: 'redact' }] };
    const res = await callGateway({
      body: { model: 'sim/fast', messages: [{ role: 'user', content: 'Is falcon ready?' }] },
      env: fakeEnv({ LOG_PAYLOADS: 'true', GATEWAY_CONFIG: JSON.stringify({ pipeline: { guard } }) }),
    });
    expect(res.status).toBe(200);
    const record = await storedRecord(res.headers.get('x-request-id') ?? '');
    expect(JSON.parse(record.prompt ?? '[]')).toEqual([{ role: 'user', content: 'Is [REDACTED:codename] ready?' }]);
    expect(record.prompt).not.toContain('falcon');
  });

  it('leaves the prompt out when it is off', async () => {
    const res = await callGateway({ body: chat('sim/fast') });
    expect((await storedRecord(res.headers.get('x-request-id') ?? '')).prompt).toBeUndefined();
  });
});
