import { describe, expect, it } from 'vitest';
import { callGateway, chat } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('request bodies the gateway refuses before any work', () => {
  it('JSON nested 100,000 levels deep is a 400 naming the limit, not a 500', async () => {
    const format = { type: 'json_schema', json_schema: { name: 'deep', schema: { type: 'object', items: '' } } };
    const rawBody = JSON.stringify(chat('sim/fast', { response_format: format })).replace('""', nested(100_000));
    const res = await callGateway({ rawBody });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toContain('128');
    const session = await callGateway({ path: '/v1/sessions', rawBody: `{"model":"sim/fast","guard":${nested(200)}}` });
    expect(session.status).toBe(400);
  });

  it('a session message sent half and then silence: 408, and no stream slot taken meanwhile', async () => {
    const { key } = await createKey({ concurrency: 1 });
    const env = deployed({ BODY_READ_TIMEOUT_MS: '300' });
    const created = await callGateway({ path: '/v1/sessions', body: { model: 'sim/fast' }, env, headers: bearer(key) });
    const { id } = (await created.json()) as { id: string };
    const url = `/v1/sessions/${id}/messages`;
    const silent = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"content": "Hel'));
      },
    });
    const stalled = callGateway({ path: url, rawBody: silent, env, headers: bearer(key) });
    // While that body hangs, the key's one slot is free for a whole turn.
    const other = await callGateway({ path: url, body: { content: 'Hi' }, env, headers: bearer(key) });
    expect(other.status).toBe(200);
    const refused = await stalled;
    expect(refused.status).toBe(408);
    expect((await errorOf(refused)).code).toBe('request_timeout');
  });
});
