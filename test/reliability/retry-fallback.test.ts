import { describe, expect, it } from 'vitest';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, fakeEnv } from '../workers/gateway';
import { anthropic, local, parseSse, recordFor, textOf } from './support';

/** An env whose GATEWAY_CONFIG has one alias over `targets`. */
function aliasEnv(alias: string, targets: string[], extra: Record<string, unknown> = {}) {
  return fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ aliases: { [alias]: { targets } } }), ...extra });
}

describe('429 and 5xx before the first byte: retry, fallback, honest final status', () => {
  it('a 429 then success: streamed from the retry, recorded ok with retries 1', async () => {
    const id = uniqueId('rel-429-once');
    const model = local({ id, status: 429, fail_times: 1, tokens: 3 });
    const res = await callGateway({ body: chat(model, { stream: true }) });
    expect(res.status).toBe(200);
    const frames = parseSse(await res.text());
    expect(textOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(frames.at(-1)?.data).toBe('[DONE]');
    expect((await fakeLog(id)).requests).toBe(2);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'ok', retries: 1, fallbacks: 0, provider: 'local' });
    expect(record.attempts.map((a) => a.error)).toEqual(['upstream_rate_limited', undefined]);
  });

  it('a persistent 500: exactly 1 + UPSTREAM_MAX_RETRIES attempts, then 502; recorded upstream_error', async () => {
    const id = uniqueId('rel-500');
    const model = local({ id, status: 500 });
    const res = await callGateway({ body: chat(model, { stream: true }), env: fakeEnv({ UPSTREAM_MAX_RETRIES: '2' }) });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error).toMatchObject({ type: 'upstream_error', code: 'upstream_http_500' });
    expect((await fakeLog(id)).requests).toBe(3);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 502, outcome: 'upstream_error', retries: 2, error: 'upstream_http_500' });
    expect(record.provider).toBeUndefined();
  });

  it('a 503 on the first target of an alias: falls back to the second, recorded ok with fallbacks 1', async () => {
    const first = uniqueId('rel-fb-a');
    const second = uniqueId('rel-fb-b');
    const alias = uniqueId('rel-alias-fb');
    const env = aliasEnv(alias, [local({ id: first, status: 503 }), anthropic({ id: second, tokens: 2 })], {
      UPSTREAM_MAX_RETRIES: '1',
    });
    const res = await callGateway({ body: chat(alias, { stream: true }), env });
    expect(res.status).toBe(200);
    const frames = parseSse(await res.text());
    expect(textOf(frames)).toBe('tok0 tok1 ');
    expect(frames[0]?.json?.model).toBe(alias);
    expect((await fakeLog(first)).requests).toBe(2);
    expect((await fakeLog(second)).requests).toBe(1);
    const record = await recordFor(alias);
    expect(record).toMatchObject({ outcome: 'ok', provider: 'anthropic', retries: 1, fallbacks: 1 });
    expect(record.attempts.map((a) => [a.provider, a.error])).toEqual([
      ['local', 'upstream_http_503'],
      ['local', 'upstream_http_503'],
      ['anthropic', undefined],
    ]);
  });

  it('every target of an alias fails: the last failure is the status (429 with Retry-After), recorded as such', async () => {
    const first = uniqueId('rel-all-a');
    const second = uniqueId('rel-all-b');
    const alias = uniqueId('rel-alias-all');
    const env = aliasEnv(
      alias,
      [local({ id: first, status: 500 }), local({ id: second, status: 429, retry_after: 1 })],
      {
        UPSTREAM_MAX_RETRIES: '0',
      },
    );
    const res = await callGateway({ body: chat(alias, { stream: true }), env });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    // The client gets the provider's code; the record keeps the gateway's.
    expect(((await res.json()) as any).error.code).toBe('rate_limit_exceeded');
    const record = await recordFor(alias);
    expect(record).toMatchObject({
      status: 429,
      outcome: 'upstream_error',
      fallbacks: 1,
      error: 'upstream_rate_limited',
    });
  });

  it('a Retry-After beyond the 10 s cap is not waited for: the next target serves at once', async () => {
    const first = uniqueId('rel-ra-a');
    const second = uniqueId('rel-ra-b');
    const alias = uniqueId('rel-alias-ra');
    const env = aliasEnv(alias, [local({ id: first, status: 429, retry_after: 60 }), local({ id: second, tokens: 1 })]);
    const started = Date.now();
    const res = await callGateway({ body: chat(alias, { stream: true }), env });
    expect(res.status).toBe(200);
    expect(textOf(parseSse(await res.text()))).toBe('tok0 ');
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await fakeLog(first)).requests).toBe(1);
    expect(await recordFor(alias)).toMatchObject({ outcome: 'ok', retries: 0, fallbacks: 1 });
  });

  it('on /v1/messages a persistent 529 overload is an Anthropic-shaped error with an honest status', async () => {
    const id = uniqueId('rel-529');
    const model = anthropic({ id, status: 529 });
    const res = await callGateway({
      path: '/v1/messages',
      body: { model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] },
      env: fakeEnv({ UPSTREAM_MAX_RETRIES: '1' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
    expect((await fakeLog(id)).requests).toBe(2);
    const record = await recordFor(model);
    expect(record).toMatchObject({
      status: res.status,
      outcome: 'upstream_error',
      retries: 1,
      error: 'upstream_http_529',
    });
  });

  it('a non-streaming request retried past a 502: one JSON answer, recorded ok', async () => {
    const id = uniqueId('rel-502-json');
    const model = local({ id, status: 502, fail_times: 2, tokens: 2 });
    const res = await callGateway({ body: chat(model), env: fakeEnv({ UPSTREAM_MAX_RETRIES: '2' }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).choices[0].message.content).toBe('tok0 tok1 ');
    expect(await recordFor(model)).toMatchObject({ stream: false, outcome: 'ok', retries: 2 });
  });
});
