import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { CacheCall } from '../../src/cache/cache-call';
import { shardOf } from '../../src/cache/cache-shards';
import { PENDING_CHARS } from '../../src/cache/response-cache-do';
import type { ChatRequest } from '../../src/schema/chat-request';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId, untilHungUp, untilLogged } from '../support/fake-control';
import { callGateway, chat, contentOf, fakeEnv, readSse, settledAfter } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const cached = (overrides: Record<string, unknown> = {}, config: Record<string, unknown> = {}) =>
  fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ cache: { ttl_s: 60 }, ...config }), ...overrides });
const masked = (text: string) => text.replace(/chatcmpl-[0-9a-f-]+/g, 'chatcmpl-*').replace(/"created":\d+/g, '');

async function streamed(model: string, environment: Record<string, unknown>) {
  const res = await callGateway({ body: chat(model, { stream: true }), env: environment });
  const text = await res.text();
  await settledAfter(res);
  return { status: res.status, text, cache: res.headers.get('x-infe-cache') };
}

/** Reads a streaming response until `marker` has arrived; returns the reader and the text so far. */
async function readUntil(res: Response, marker: string) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(marker)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before '${marker}'`);
    text += decoder.decode(value, { stream: true });
  }
  return { reader, text };
}

async function rest(reader: ReadableStreamDefaultReader<Uint8Array>, text: string) {
  const decoder = new TextDecoder();
  for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(read.value);
  return text;
}

/** After the failure, the same request goes upstream again: nothing was stored. */
async function expectRetryCallsProvider(id: string, model: string, environment: Record<string, unknown>) {
  const before = (await fakeLog(id)).requests;
  const retry = await streamed(model, environment);
  // An error before the stream is an error response, which carries no cache header.
  if (retry.status === 200) expect(retry.cache).toBe('miss');
  expect((await fakeLog(id)).requests).toBe(before + 1);
}

const randomKey = (first = '') =>
  first +
  [...crypto.getRandomValues(new Uint8Array(32))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .slice(first.length);

/** What the Worker would hand the object for `model` on the fake provider, to call the object without a Worker (no report comes). */
const directCall = (model: string, key: string, overrides: Partial<CacheCall> = {}): CacheCall => ({
  key,
  model: `local/${model}`,
  request: { model, messages: [{ role: 'user', content: 'Hello' }], stream: true } as ChatRequest,
  targets: [{ providerId: 'local', model }],
  firstByteTimeoutMs: 5000,
  idleTimeoutMs: 5000,
  retry: { maxRetries: 0, baseDelayMs: 0 },
  ttlS: 60,
  maxEntryBytes: 4_000_000,
  paced: false,
  ...overrides,
});

describe('response cache: a failed or stopped stream is never stored', () => {
  const faults: Array<[string, Record<string, number>, Record<string, unknown>]> = [
    ['a connection reset', { reset_after: 2 }, {}],
    ['a truncated stream (no finish)', { no_finish: 1 }, {}],
    ['an error event mid-stream', { error_after: 2 }, {}],
    ['a stall past STREAM_IDLE_TIMEOUT_MS', { stall_after: 2 }, { STREAM_IDLE_TIMEOUT_MS: '150' }],
  ];
  for (const [name, fault, settings] of faults) {
    it(`${name}: the client gets the failure; a retry calls the provider`, async () => {
      const id = uniqueId('fault');
      const model = local({ id, tokens: 6, ...fault });
      const environment = cached(settings);
      const first = await streamed(model, environment);
      expect(first.cache).toBe('miss');
      expect(first.text).not.toContain('[DONE]');
      expect(first.text).toContain('"error"');
      await expectRetryCallsProvider(id, model, environment);
    });
  }

  it('an error as the first event: a 502, and a retry calls the provider', async () => {
    const id = uniqueId('fault-first');
    const model = local({ id, error_first: 1 });
    const environment = cached({ UPSTREAM_MAX_RETRIES: '0' });
    expect((await streamed(model, environment)).status).toBe(502);
    await expectRetryCallsProvider(id, model, environment);
  });

  it('a client that hangs up: the upstream is aborted, and a retry calls the provider', async () => {
    const id = uniqueId('fault-cancel');
    const model = local({ id, tokens: 50, gap: 10 });
    const environment = cached();
    const res = await callGateway({ body: chat(model, { stream: true }), env: environment });
    const { reader } = await readUntil(res, 'tok1 ');
    await reader.cancel();
    expect((await untilHungUp(id)).hungUp).toBe(1);
    await settledAfter(res);
    await expectRetryCallsProvider(id, model, environment);
  });

  it('a guard block, even when the provider finished first: not stored; a retry calls the provider', async () => {
    const id = uniqueId('fault-block');
    const model = local({ id, text: 'The launch code is 0000. Fine.' });
    const guard = { rules: [{ id: 'secret', kind: 'phrase', phrases: ['launch code'], action: 'block' }] };
    const environment = cached({}, { pipeline: { guard } });
    const first = await streamed(model, environment);
    expect(first.text).toContain('content_filter');
    await untilLogged(id, { ended: 1 });
    await expectRetryCallsProvider(id, model, environment);
  });
});

describe('request collapsing', () => {
  it('ten identical concurrent requests: one upstream request, ten identical complete streams', async () => {
    const id = uniqueId('collapse');
    const model = local({ id, tokens: 20, ttft: 100, gap: 5 });
    const environment = cached();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => callGateway({ body: chat(model, { stream: true }), env: environment })),
    );
    const texts = await Promise.all(responses.map((res) => res.text()));
    await Promise.all(responses.map(settledAfter));
    const statuses = responses.map((res) => res.headers.get('x-infe-cache')).sort();
    expect(statuses).toEqual(['collapsed', ...Array(8).fill('collapsed'), 'miss'].sort());
    for (const text of texts) {
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(masked(text)).toBe(masked(texts[0] as string));
    }
    expect(contentOf(await readSse(new Response(texts[0])))).toBe(
      Array.from({ length: 20 }, (_, i) => `tok${i} `).join(''),
    );
    expect((await fakeLog(id)).requests).toBe(1);
    expect((await streamed(model, environment)).cache).toBe('hit');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('a request that joins mid-stream gets everything streamed so far, then the live tail', async () => {
    const id = uniqueId('collapse-late');
    const model = local({ id, tokens: 30, gap: 10 });
    const environment = cached();
    const leader = await callGateway({ body: chat(model, { stream: true }), env: environment });
    const { reader, text } = await readUntil(leader, 'tok3 ');
    const late = await callGateway({ body: chat(model, { stream: true }), env: environment });
    expect(late.headers.get('x-infe-cache')).toBe('collapsed');
    const [leaderText, lateText] = await Promise.all([rest(reader, text), late.text()]);
    expect(masked(lateText)).toBe(masked(leaderText));
    expect(lateText.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('the first client hanging up mid-stream leaves the others complete; the upstream runs on', async () => {
    const id = uniqueId('collapse-first-leaves');
    const model = local({ id, tokens: 40, ttft: 50, gap: 10 });
    const environment = cached();
    const responses = await Promise.all(
      Array.from({ length: 3 }, () => callGateway({ body: chat(model, { stream: true }), env: environment })),
    );
    const [first, ...others] = responses as [Response, ...Response[]];
    const { reader } = await readUntil(first, 'tok2 ');
    await reader.cancel();
    const texts = await Promise.all(others.map((res) => res.text()));
    for (const text of texts) {
      expect(contentOf(await readSse(new Response(text)))).toBe(
        Array.from({ length: 40 }, (_, i) => `tok${i} `).join(''),
      );
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    }
    const upstream = await untilLogged(id, { ended: 1 });
    expect(upstream).toMatchObject({ requests: 1, hungUp: 0, completed: 1 });
  });

  it('a reader that hangs up after another stored the answer does not take it away', async () => {
    const id = uniqueId('collapse-late-cancel');
    const model = local({ id, tokens: 12, gap: 5 });
    const environment = cached();
    const [first, second] = await Promise.all(
      [0, 1].map(() => callGateway({ body: chat(model, { stream: true }), env: environment })),
    );
    const lagging = await readUntil(second as Response, 'tok0 ');
    expect((await (first as Response).text()).endsWith('data: [DONE]\n\n')).toBe(true);
    await settledAfter(first as Response);
    await lagging.reader.cancel();
    await settledAfter(second as Response);
    expect((await streamed(model, environment)).cache).toBe('hit');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('a request arriving after the upstream finished but before the answer is stored joins it', async () => {
    const id = uniqueId('collapse-after-end');
    const model = local({ id, tokens: 6 });
    const environment = cached();
    const leader = await callGateway({ body: chat(model, { stream: true }), env: environment });
    // The only reader holds the end back, so its clean report (what stores the answer) waits.
    const held = await readUntil(leader, 'tok0 ');
    expect(await untilLogged(id, { ended: 1 })).toMatchObject({ requests: 1, completed: 1 });
    const late = await streamed(model, environment);
    expect(late.cache).toBe('collapsed');
    expect(late.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(masked(await rest(held.reader, held.text))).toBe(masked(late.text));
    await settledAfter(leader);
    expect((await streamed(model, environment)).cache).toBe('hit');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('a reader far behind is cut, not left to stall the upstream into its idle timeout for the others', async () => {
    const id = uniqueId('collapse-lagging');
    const model = scenario({ id, tokens: 6, gap: 20, big: 1_200_000, big_at: 1 });
    const key = randomKey();
    const call = directCall(model, key, { idleTimeoutMs: 1000, maxEntryBytes: 4_000_000 });
    // Straight to the object: a reader that takes nothing holds its place in the flight.
    const stub = shardOf(env.RESPONSE_CACHE, key);
    const [fast, slow] = [await stub.open(call), await stub.open(call)];
    if (fast.status === 'error' || slow.status === 'error') throw new Error('the object did not connect');
    expect([fast.status, slow.status]).toEqual(['miss', 'collapsed']);
    const lines = (await new Response(fast.body).text()).trim().split('\n');
    const types = lines.map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).not.toContain('error');
    expect(types).toContain('finish');
    // The cut reader's stream ends without the finish: a cut stream, as its Worker tells its client.
    const cut = (await new Response(slow.body).text()).trim().split('\n');
    expect(cut.map((line) => (JSON.parse(line) as { type: string }).type)).not.toContain('finish');
    expect(await untilLogged(id, { ended: 1 })).toMatchObject({ requests: 1, completed: 1 });
  });

  it('finished generations awaiting reports hold at most PENDING_CHARS: the oldest is forgotten, not stored', async () => {
    const size = 1_200_000;
    const count = Math.ceil(PENDING_CHARS / size) + 1;
    // One shard: keys that share their first byte.
    const keys = Array.from({ length: count }, () => randomKey('ab'));
    const stub = shardOf(env.RESPONSE_CACHE, keys[0] as string);
    const flights: string[] = [];
    for (const key of keys) {
      const model = scenario({ id: uniqueId('pending-bytes'), tokens: 2, big: size, big_at: 0 });
      const answer = await stub.open(directCall(model, key));
      if (answer.status !== 'miss') throw new Error(`expected a miss, got ${answer.status}`);
      expect(await new Response(answer.body).text()).toContain('"finish"');
      flights.push(answer.flight);
    }
    for (const flight of flights) await stub.report(flight, 'finished');
    const stored = await runInDurableObject(stub, (_instance, state) =>
      keys.map((key) => state.storage.sql.exec('SELECT key FROM entries WHERE key = ?', key).toArray().length),
    );
    expect(stored[0]).toBe(0);
    expect(stored.at(-1)).toBe(1);
  });

  it('when every client hangs up, the upstream is aborted', async () => {
    const id = uniqueId('collapse-all-leave');
    const model = local({ id, tokens: 200, gap: 20 });
    const environment = cached();
    const responses = await Promise.all(
      Array.from({ length: 3 }, () => callGateway({ body: chat(model, { stream: true }), env: environment })),
    );
    for (const res of responses) await (await readUntil(res, 'tok1 ')).reader.cancel();
    expect(await untilHungUp(id)).toMatchObject({ requests: 1, hungUp: 1, completed: 0 });
  });
});
