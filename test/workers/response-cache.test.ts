import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../src/cache/cache-shards';
import type { RequestLogRecord } from '../../src/observe/request-log';
import { scenario } from '../fake-provider/scenario.ts';
import { logsFor } from '../reliability/support';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, fakeEnv, readSse, settledAfter } from './gateway';
import { bearer, createKey, deployed } from './keys';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const cacheConfig = { cache: { ttl_s: 60 } };
const cached = (overrides: Record<string, unknown> = {}) =>
  fakeEnv({ GATEWAY_CONFIG: JSON.stringify(cacheConfig), ...overrides });

/**
 * A response body with what differs per request by design masked: ids, timestamps, the prompt's
 * split into cached and uncached tokens (a hit reports every prompt token as cached) and the
 * cost (a hit's is 0).
 */
const masked = (text: string) =>
  text
    .replace(/,"(cost|costUsd)":[0-9.e-]+/g, '')
    .replace(
      /"(input_tokens|cache_read_input_tokens|cache_creation_input_tokens|cached_tokens|cachedInputTokens|cacheCreationInputTokens)":\s*\d+/g,
      '"$1":"*"',
    )
    .replace(/"(id|response_id|item_id|created|created_at|completed_at)":\s*("[^"]*"|\d+)/g, '"$1":"*"')
    .replace(/(chatcmpl|resp|msg)[-_][0-9a-zA-Z_-]+/g, '$1-*');

interface Call {
  path?: string;
  headers?: Record<string, string>;
  body: (model: string) => Record<string, unknown>;
}

const FORMATS: Record<string, Call> = {
  'chat, SSE': { body: (model) => chat(model, { stream: true }) },
  'chat, JSON': { body: (model) => chat(model) },
  'chat, text/plain': { headers: { accept: 'text/plain' }, body: (model) => chat(model, { stream: true }) },
  'chat, NDJSON': { headers: { accept: 'application/x-ndjson' }, body: (model) => chat(model, { stream: true }) },
  'messages, SSE': {
    path: '/v1/messages',
    body: (model) => ({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hello' }] }),
  },
  'messages, JSON': {
    path: '/v1/messages',
    body: (model) => ({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] }),
  },
  'responses, SSE': { path: '/v1/responses', body: (model) => ({ model, input: 'Hello', stream: true, store: false }) },
  'responses, JSON': { path: '/v1/responses', body: (model) => ({ model, input: 'Hello', store: false }) },
};

async function send(call: Call, model: string, environment = cached(), headers: Record<string, string> = {}) {
  const res = await callGateway({
    path: call.path,
    body: call.body(model),
    env: environment,
    headers: { ...call.headers, ...headers },
  });
  const text = await res.text();
  await settledAfter(res);
  return { res, text, cache: res.headers.get('x-infe-cache'), key: res.headers.get('x-infe-cache-key') };
}

const chatSse = FORMATS['chat, SSE'] as Call;

describe('response cache: what is a hit', () => {
  for (const [name, call] of Object.entries(FORMATS)) {
    it(`${name}: the second identical request is a hit with the same content, and the provider saw one request`, async () => {
      for (const provider of ['local', 'anthropic']) {
        const id = uniqueId('hit');
        const model = `${provider}/${scenario({ id, tokens: 6, text: 'Grüße aus dem Cache 🚀, twice', unit: 4 })}`;
        const first = await send(call, model);
        expect(first.res.status).toBe(200);
        expect(first.cache).toBe('miss');
        const second = await send(call, model);
        expect(second.cache).toBe('hit');
        expect(second.key).toBe(first.key);
        expect(masked(second.text)).toBe(masked(first.text));
        expect(second.text).toContain('Cache');
        expect((await fakeLog(id)).requests).toBe(1);
      }
    });
  }

  it('responses passed through to a provider that serves them: a hit relays the same events', async () => {
    const id = uniqueId('hit-passthrough');
    const model = local({ id, tokens: 5 });
    const environment = cached({ LOCAL_RESPONSES_API: 'true' });
    const call = FORMATS['responses, SSE'] as Call;
    const first = await send(call, model, environment);
    const second = await send(call, model, environment);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(masked(second.text)).toBe(masked(first.text));
    expect(second.text).toContain('response.completed');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('replay: "recorded" streams a hit at the pace the provider had, in many reads', async () => {
    const id = uniqueId('paced');
    const model = local({ id, tokens: 8, gap: 30 });
    const environment = fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ cache: { ttl_s: 60, replay: 'recorded' } }) });
    await send(chatSse, model, environment);
    const res = await callGateway({ body: chat(model, { stream: true }), env: environment });
    expect(res.headers.get('x-infe-cache')).toBe('hit');
    let reads = 0;
    for await (const chunk of res.body as ReadableStream<Uint8Array>) if (chunk.length > 0) reads++;
    expect(reads).toBeGreaterThanOrEqual(4);
  });

  it('a streamed answer serves a non-streamed request, and the hit is marked in the log record', async () => {
    const id = uniqueId('cross');
    const model = local({ id, tokens: 4 });
    const streamed = await send(chatSse, model);
    const plain = await callGateway({ body: chat(model), env: cached() });
    expect(plain.headers.get('x-infe-cache')).toBe('hit');
    const body = (await plain.json()) as any;
    expect(body.choices[0].message.content).toBe(contentOf(await readSse(new Response(streamed.text))));
    // Every prompt token is reported as read from a cache.
    expect(body.usage.prompt_tokens_details.cached_tokens).toBe(body.usage.prompt_tokens);
    await settledAfter(plain);
    const requestId = plain.headers.get('x-request-id');
    const record = (await logsFor(model)).find((row) => row.requestId === requestId) as RequestLogRecord;
    expect(record.cache).toMatchObject({ status: 'hit', key: streamed.key });
    expect(record.cache?.saved?.outputTokens).toBe(4);
    expect(record.cache?.saved?.upstreamMs).toBeGreaterThanOrEqual(0);
    expect(record.upstreamTtftMs).toBeUndefined();
    // No provider was called for it: it costs nothing, whatever a miss costs.
    expect(record.cost).toEqual({ usd: 0, estimated: false });
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it("a hit does not pass on the provider's own usage.cost: the client is told 0, as the record says", async () => {
    const id = uniqueId('hit-reported-cost');
    const model = local({ id, tokens: 2, cost_micros: 120 });
    const withUsage = { body: (m: string) => chat(m, { stream: true, stream_options: { include_usage: true } }) };
    for (const call of [FORMATS['chat, JSON'] as Call, withUsage]) {
      const miss = await send(call, model);
      const hit = await send(call, model);
      expect(hit.cache).toBe('hit');
      const costs = (text: string) => [...text.matchAll(/"cost":([0-9.e-]+)/g)].map((match) => Number(match[1]));
      if (miss.cache === 'miss') expect(costs(miss.text)).toContain(120e-6);
      expect(costs(hit.text).length).toBeGreaterThan(0);
      for (const cost of costs(hit.text)) expect(cost).toBe(0);
      const requestId = hit.res.headers.get('x-request-id');
      const record = (await logsFor(model)).find((row) => row.requestId === requestId) as RequestLogRecord;
      expect(record.cost?.usd).toBe(0);
    }
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('another gateway key misses; `scope: "gateway"` shares across keys', async () => {
    const [a, b] = [await createKey(), await createKey()];
    for (const scope of ['key', 'gateway'] as const) {
      const id = uniqueId(`scope-${scope}`);
      const model = local({ id, tokens: 3 });
      const environment = deployed({ GATEWAY_CONFIG: JSON.stringify({ cache: { ttl_s: 60, scope } }) });
      expect((await send(chatSse, model, environment, bearer(a.key))).cache).toBe('miss');
      expect((await send(chatSse, model, environment, bearer(a.key))).cache).toBe('hit');
      const other = await send(chatSse, model, environment, bearer(b.key));
      expect(other.cache).toBe(scope === 'key' ? 'miss' : 'hit');
      expect((await fakeLog(id)).requests).toBe(scope === 'key' ? 2 : 1);
    }
  });

  it('a different prompt or parameter misses; key order and `stream` do not matter', async () => {
    const id = uniqueId('params');
    const model = local({ id, tokens: 3 });
    const base = { model, messages: [{ role: 'user', content: 'Hello' }], temperature: 0 };
    const call = (body: Record<string, unknown>) => ({ body: () => body });
    expect((await send(call({ ...base, stream: true }), model)).cache).toBe('miss');
    expect((await send(call({ temperature: 0, messages: base.messages, model }), model)).cache).toBe('hit');
    expect((await send(call({ ...base, temperature: 1 }), model)).cache).toBe('miss');
    expect((await send(call({ ...base, messages: [{ role: 'user', content: 'Hi' }] }), model)).cache).toBe('miss');
    expect((await fakeLog(id)).requests).toBe(3);
  });

  it('infe.drop_unsupported_params is part of the key, and a hit names the dropped fields as the miss did', async () => {
    const id = uniqueId('dropped');
    const model = `anthropic/${scenario({ id, tokens: 3 })}`;
    const dropping = {
      body: (m: string) => chat(m, { stream: true, logprobs: true, infe: { drop_unsupported_params: true } }),
    };
    const first = await send(dropping, model);
    expect([first.res.status, first.cache]).toEqual([200, 'miss']);
    expect(first.res.headers.get('x-infe-dropped-params')).toBe('logprobs');
    const hit = await send(dropping, model);
    expect(hit.cache).toBe('hit');
    expect(hit.res.headers.get('x-infe-dropped-params')).toBe('logprobs');
    // Without the opt-in the same request is refused, naming the field, as it is uncached.
    const strict = await send({ body: (m: string) => chat(m, { stream: true, logprobs: true }) }, model);
    expect(strict.res.status).toBe(400);
    expect(JSON.parse(strict.text).error.param).toBe('logprobs');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('Cache-Control: no-store and no-cache bypass: neither read nor written', async () => {
    const id = uniqueId('bypass');
    const model = local({ id, tokens: 3 });
    expect((await send(chatSse, model, cached(), { 'cache-control': 'no-store' })).cache).toBe('bypass');
    expect((await send(chatSse, model)).cache).toBe('miss');
    expect((await send(chatSse, model, cached(), { 'cache-control': 'max-age=0, no-cache' })).cache).toBe('bypass');
    expect((await fakeLog(id)).requests).toBe(3);
    expect((await send(chatSse, model)).cache).toBe('hit');
  });

  it('uncached without config; `infe.cache` turns it on for one request, unless the operator refuses it', async () => {
    const id = uniqueId('override');
    const model = local({ id, tokens: 3 });
    const plain = await send(chatSse, model, fakeEnv());
    expect(plain.cache).toBeNull();
    const opted = { body: (m: string) => chat(m, { stream: true, infe: { cache: { ttl_s: 30 } } }) };
    expect((await send(opted, model, fakeEnv())).cache).toBe('miss');
    expect((await send(opted, model, fakeEnv())).cache).toBe('hit');
    const refusing = fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ pipeline: { allow_overrides: { cache: false } } }) });
    const refused = await callGateway({ body: opted.body(model), env: refusing });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).error.param).toBe('infe.cache');
  });

  it('under scope: "gateway" a request\'s infe.cache.ttl_s cannot keep the shared entry past the operator\'s TTL', async () => {
    const id = uniqueId('gateway-ttl');
    const model = local({ id, tokens: 3 });
    const environment = fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ cache: { ttl_s: 60, scope: 'gateway' } }) });
    const long = { body: (m: string) => chat(m, { stream: true, infe: { cache: { ttl_s: 86_400 } } }) };
    const before = Date.now();
    const key = (await send(long, model, environment)).key as string;
    const expiresAt = await runInDurableObject(shardOf(env.RESPONSE_CACHE, key), (_instance, state) => {
      return state.storage.sql.exec<{ at: number }>('SELECT expires_at AS at FROM entries WHERE key = ?', key).one().at;
    });
    expect(expiresAt).toBeGreaterThan(before);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('an expired entry is a miss', async () => {
    const id = uniqueId('expiry');
    const model = local({ id, tokens: 3 });
    const first = await send(chatSse, model);
    const key = first.key as string;
    await runInDurableObject(shardOf(env.RESPONSE_CACHE, key), (_instance, state) => {
      state.storage.sql.exec('UPDATE entries SET expires_at = ? WHERE key = ?', Date.now() - 1, key);
    });
    expect((await send(chatSse, model)).cache).toBe('miss');
    expect((await fakeLog(id)).requests).toBe(2);
  });

  it('an answer over CACHE_MAX_ENTRY_BYTES is served but not kept', async () => {
    const id = uniqueId('too-big');
    const model = local({ id, tokens: 3, big: 4000, big_at: 1 });
    const environment = cached({ CACHE_MAX_ENTRY_BYTES: '2048' });
    expect((await send(chatSse, model, environment)).text).toContain('.'.repeat(3000));
    expect((await send(chatSse, model, environment)).cache).toBe('miss');
    expect((await fakeLog(id)).requests).toBe(2);
  });
});

describe('DELETE /v1/cache', () => {
  it('purges by key, by model and all, behind the admin key', async () => {
    const ids = [uniqueId('purge-a'), uniqueId('purge-b'), uniqueId('purge-c')];
    const models = ids.map((id) => local({ id, tokens: 2 }));
    const keys = [];
    for (const model of models) keys.push((await send(chatSse, model)).key as string);
    const purge = (query: string, environment = fakeEnv()) =>
      callGateway({ path: `/v1/cache?${query}`, method: 'DELETE', env: environment });
    expect((await purge(`key=${keys[0]}`, deployed({ ADMIN_API_KEY: 'admin-secret' }))).status).toBe(401);
    expect((await purge('')).status).toBe(400);
    expect(await (await purge(`key=${keys[0]}`)).json()).toMatchObject({ purged: 1 });
    expect((await send(chatSse, models[0] as string)).cache).toBe('miss');
    expect(await (await purge(`model=${encodeURIComponent(models[1] as string)}`)).json()).toMatchObject({ purged: 1 });
    expect((await send(chatSse, models[1] as string)).cache).toBe('miss');
    expect((await send(chatSse, models[2] as string)).cache).toBe('hit');
    const all = (await (await purge('all=true')).json()) as { purged: number };
    expect(all.purged).toBeGreaterThanOrEqual(3);
    for (const model of models) expect((await send(chatSse, model)).cache).toBe('miss');
  });
});
