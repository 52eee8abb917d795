import { describe, expect, it } from 'vitest';
import { fakeLog, uniqueId, untilHungUp, untilLogged } from '../support/fake-control';
import { callGateway, chat } from '../workers/gateway';
import { anthropic, local, recordFor } from './support';

/**
 * A client that goes away, inside workerd: the upstream request is aborted (the fake provider
 * sees the hang-up before it finished) and the request is recorded as `client_cancelled`.
 * The same over real sockets: test/reliability/node/real-sockets.test.ts.
 */
describe('client disconnect (workerd)', () => {
  it('after the first token: upstream aborted, recorded as client_cancelled with what was sent', async () => {
    const id = uniqueId('rel-cancel-late');
    const model = local({ id, tokens: 200, gap: 20 });
    const started = Date.now();
    const res = await callGateway({ body: chat(model, { stream: true }) });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('tok1 ')) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();

    const upstream = await untilHungUp(id);
    expect(upstream).toMatchObject({ requests: 1, hungUp: 1, completed: 0 });
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'client_cancelled', provider: 'local', retries: 0 });
    expect(record.error).toBeUndefined();
    expect(record.clientTtftMs).toBeGreaterThanOrEqual(0);
    // The provider never sent usage: what the client got is estimated, and it is a few tokens, not 200.
    expect(record.tokens.estimated).toBe(true);
    expect(record.tokens.output).toBeGreaterThan(0);
    expect(record.tokens.output).toBeLessThan(100);
    expect(record.durationMs).toBeLessThan(Date.now() - started);
  });

  it('before the first token: upstream aborted, recorded as client_cancelled (499), no stream sent', async () => {
    const id = uniqueId('rel-cancel-early');
    const model = local({ id, ttft: 5000, tokens: 3 });
    const controller = new AbortController();
    const pending = callGateway({ body: chat(model, { stream: true }), signal: controller.signal });
    expect((await untilLogged(id, { requests: 1 })).requests).toBe(1);
    controller.abort();
    const outcome = await pending.then(
      (res) => res.status,
      () => 'rejected',
    );
    // Either the client's own fetch rejects, or the gateway answers a request nobody reads: never a 200 stream.
    expect(outcome).not.toBe(200);

    expect((await untilHungUp(id)).hungUp).toBe(1);
    expect((await fakeLog(id)).completed).toBe(0);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 499, outcome: 'client_cancelled' });
    expect(record.provider).toBeUndefined();
    expect(record.clientTtftMs).toBeUndefined();
  });

  it('after the first token on /v1/messages (Anthropic wire both ways): upstream aborted, client_cancelled', async () => {
    const id = uniqueId('rel-cancel-anth');
    const model = anthropic({ id, tokens: 200, gap: 20 });
    const res = await callGateway({
      path: '/v1/messages',
      body: { model, max_tokens: 1000, stream: true, messages: [{ role: 'user', content: 'Hi' }] },
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('content_block_delta')) {
      const { done, value } = await reader.read();
      expect(done).toBe(false);
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    const record = await recordFor(model);
    expect(record).toMatchObject({ route: '/v1/messages', outcome: 'client_cancelled', provider: 'anthropic' });
  });
});
