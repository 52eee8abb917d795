import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { recordFor } from '../reliability/support';
import { fakeLog, uniqueId, untilHungUp, untilLogged } from '../support/fake-control';
import { callGateway, chat, contentOf, errorFrame, fakeEnv, readSse } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;

describe('before the first token: retry, fall back, honest status', () => {
  it('retries a 429 and streams from the second attempt', async () => {
    const id = uniqueId('429');
    const res = await callGateway({ body: chat(local({ id, status: 429, fail_times: 1 }), { stream: true }) });
    expect(res.status).toBe(200);
    expect(contentOf(await readSse(res))).toBe('tok0 tok1 tok2 tok3 tok4 ');
    expect((await fakeLog(id)).requests).toBe(2);
  });

  it('gives up on a persistent 500 after the configured retries with a 502', async () => {
    const id = uniqueId('500');
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '2' });
    const res = await callGateway({ body: chat(local({ id, status: 500 }), { stream: true }), env });
    expect(res.status).toBe(502);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ type: 'upstream_error', code: 'upstream_http_500' });
    expect((await fakeLog(id)).requests).toBe(3);
  });

  it('passes a final 429 on with Retry-After', async () => {
    const id = uniqueId('429-final');
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '0' });
    const res = await callGateway({ body: chat(local({ id, status: 429, retry_after: 2 })), env });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('does not retry a credentials failure and says whose credentials failed', async () => {
    const id = uniqueId('401');
    const res = await callGateway({ body: chat(local({ id, status: 401 })) });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('upstream_auth_failed');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('treats an HTTP 200 whose first event is an error as a failure before the first token', async () => {
    const id = uniqueId('err-first');
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '1' });
    const res = await callGateway({ body: chat(local({ id, error_first: 1 }), { stream: true }), env });
    expect(res.status).toBe(502);
    expect((await fakeLog(id)).requests).toBe(2);
  });

  it('falls back to the next target of an alias when the first fails before its first token', async () => {
    const first = uniqueId('fb-first');
    const second = uniqueId('fb-second');
    const env = fakeEnv({
      UPSTREAM_MAX_RETRIES: '0',
      GATEWAY_CONFIG: JSON.stringify({
        aliases: {
          resilient: {
            targets: [local({ id: first, status: 503 }), `anthropic/${scenario({ id: second, tokens: 2 })}`],
          },
        },
      }),
    });
    const res = await callGateway({ body: chat('resilient', { stream: true }), env });
    expect(res.status).toBe(200);
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('tok0 tok1 ');
    expect(frames[0]?.json.model).toBe('resilient');
    expect((await fakeLog(first)).requests).toBe(1);
    expect((await fakeLog(second)).requests).toBe(1);
  });

  it('cuts a provider that sends no first event within FIRST_BYTE_TIMEOUT_MS with a 504 and aborts it', async () => {
    const id = uniqueId('ttfb');
    const env = fakeEnv({ FIRST_BYTE_TIMEOUT_MS: '150', UPSTREAM_MAX_RETRIES: '0' });
    const res = await callGateway({ body: chat(local({ id, ttft: 5000, keepalive: 20 }), { stream: true }), env });
    expect(res.status).toBe(504);
    expect(((await res.json()) as any).error.code).toBe('first_byte_timeout');
    expect((await untilHungUp(id)).hungUp).toBe(1);
  });

  it('applies the first-byte timeout to a provider that delays its headers', async () => {
    const id = uniqueId('headers');
    const env = fakeEnv({ FIRST_BYTE_TIMEOUT_MS: '150', UPSTREAM_MAX_RETRIES: '0' });
    const res = await callGateway({ body: chat(local({ id, header_delay: 5000 })), env });
    expect(res.status).toBe(504);
  });

  it('never puts upstream bodies or provider keys into error responses', async () => {
    const canary = 'sk-canary-0123456789abcdef';
    const env = fakeEnv({ LOCAL_API_KEY: canary, UPSTREAM_MAX_RETRIES: '0' });
    for (const status of [400, 401, 403, 404, 429, 500, 503]) {
      const id = uniqueId(`leak-${status}`);
      const res = await callGateway({ body: chat(local({ id, status }), { stream: true }), env });
      const text = await res.text();
      expect(text).not.toContain(canary);
      expect(text).not.toContain('fake provider');
      expect((await fakeLog(id)).lastHeaders.authorization).toBe(`Bearer ${canary}`);
    }
  });
});

describe('after the first token: no retry, an error event, never a clean end', () => {
  it('cuts a stalled stream after STREAM_IDLE_TIMEOUT_MS even when the provider sends keep-alives', async () => {
    const id = uniqueId('stall');
    const env = fakeEnv({ STREAM_IDLE_TIMEOUT_MS: '200' });
    const res = await callGateway({
      body: chat(local({ id, tokens: 10, stall_after: 2, keepalive: 30 }), { stream: true }),
      env,
    });
    expect(res.status).toBe(200);
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)).toMatchObject({ code: 'stream_idle_timeout', type: 'timeout_error' });
    expect(frames.some((f) => f.data === '[DONE]')).toBe(false);
    expect((await untilHungUp(id)).hungUp).toBe(1);
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('reports a connection reset mid-stream as truncated, not as a clean end', async () => {
    const res = await callGateway({
      body: chat(local({ id: uniqueId('reset'), tokens: 10, reset_after: 3 }), { stream: true }),
    });
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(errorFrame(frames)?.code).toMatch(/^upstream_(truncated|unreachable)$/);
    expect(frames.some((f) => f.data === '[DONE]')).toBe(false);
  });

  it('reports a stream that ends without a finish as truncated', async () => {
    const frames = await readSse(
      await callGateway({ body: chat(local({ id: uniqueId('nofinish'), tokens: 3, no_finish: 1 }), { stream: true }) }),
    );
    expect(contentOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(errorFrame(frames)?.code).toBe('upstream_truncated');
  });

  it('stops at a malformed event with an error instead of skipping content', async () => {
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id: uniqueId('malformed'), tokens: 5, malformed_at: 2 }), { stream: true }),
      }),
    );
    expect(contentOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)?.code).toBe('upstream_malformed_event');
  });

  it('relays a provider error event mid-stream and does not retry', async () => {
    const id = uniqueId('err-mid');
    const frames = await readSse(
      await callGateway({ body: chat(local({ id, tokens: 5, error_after: 2 }), { stream: true }) }),
    );
    expect(contentOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)?.type).toBe('upstream_error');
    expect((await fakeLog(id)).requests).toBe(1);
  });

  it('answers a non-streaming request whose stream fails midway with a 502', async () => {
    const res = await callGateway({ body: chat(local({ id: uniqueId('json-fail'), tokens: 5, no_finish: 1 })) });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('upstream_truncated');
  });
});

describe('client goes away', () => {
  it('aborts the upstream when the client cancels after the first token', async () => {
    const id = uniqueId('cancel');
    const res = await callGateway({ body: chat(local({ id, tokens: 100, gap: 20 }), { stream: true }) });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    await reader.cancel();
    const log = await untilHungUp(id);
    expect(log.hungUp).toBe(1);
    expect(log.completed).toBe(0);
  });

  it('aborts the upstream when the client cancels before the first token', async () => {
    const id = uniqueId('cancel-early');
    const controller = new AbortController();
    const pending = callGateway({ body: chat(local({ id, ttft: 5000 }), { stream: true }), signal: controller.signal });
    expect((await untilLogged(id, { requests: 1 })).requests).toBe(1);
    controller.abort();
    await pending.catch(() => undefined);
    expect((await untilHungUp(id)).hungUp).toBe(1);
  });

  it('with PREFILL_PROBE_MS, commits the stream early and probes with comments until the first token', async () => {
    const id = uniqueId('probe');
    const env = fakeEnv({ PREFILL_PROBE_MS: '40' });
    const res = await callGateway({ body: chat(local({ id, ttft: 300, tokens: 2 }), { stream: true }), env });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith(': ')).toBe(true);
    expect(text.indexOf(': ')).toBeLessThan(text.indexOf('data: '));
    expect(text).toContain('tok0 ');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('with PREFILL_PROBE_MS, a failure before the first token becomes an error event', async () => {
    const env = fakeEnv({ PREFILL_PROBE_MS: '20', UPSTREAM_MAX_RETRIES: '0' });
    const res = await callGateway({
      body: chat(local({ id: uniqueId('probe-fail'), header_delay: 100, status: 500 }), { stream: true }),
      env,
    });
    expect(res.status).toBe(200);
    expect(errorFrame(await readSse(res))?.code).toBe('upstream_http_500');
  });
});

describe('hedged starts', () => {
  const hedged = (targets: string[], hedge: Record<string, number>, alias = 'hedged') =>
    fakeEnv({
      UPSTREAM_MAX_RETRIES: '0',
      GATEWAY_CONFIG: JSON.stringify({ aliases: { [alias]: { targets, hedge } } }),
    });

  it('starts the next target when the first is slow; the first to answer wins, the other is aborted', async () => {
    const slow = uniqueId('hedge-slow');
    const fast = uniqueId('hedge-fast');
    const alias = uniqueId('hedged');
    const targets = [local({ id: slow, ttft: 3000, tokens: 2 }), local({ id: fast, tokens: 2 })];
    const env = hedged(targets, { after_ms: 50 }, alias);
    const res = await callGateway({ body: chat(alias, { stream: true }), env });
    expect(res.status).toBe(200);
    expect(contentOf(await readSse(res))).toBe('tok0 tok1 ');
    expect((await untilHungUp(slow)).hungUp).toBe(1);
    expect((await fakeLog(fast)).completed).toBe(1);
    // The record names the winner, and the losing leg with the prompt tokens it cost.
    const record = await recordFor(alias);
    expect(record).toMatchObject({ provider: 'local', providerModel: targets[1]?.slice(6), fallbacks: 0, retries: 0 });
    expect(record.attempts).toEqual([
      { provider: 'local', model: targets[1]?.slice(6), hedge: 'won', ttftMs: expect.any(Number) },
      { provider: 'local', model: targets[0]?.slice(6), error: 'hedge_lost' },
    ]);
    expect(record.hedgesLost).toEqual({ legs: 1, inputTokens: expect.any(Number) });
    expect(record.hedgesLost?.inputTokens).toBeGreaterThan(0);
  });

  it('does not start a second target when the first answers in time', async () => {
    const first = uniqueId('hedge-first');
    const second = uniqueId('hedge-second');
    const env = hedged([local({ id: first, tokens: 2 }), local({ id: second, tokens: 2 })], { after_ms: 2000 });
    expect(contentOf(await readSse(await callGateway({ body: chat('hedged', { stream: true }), env })))).toBe(
      'tok0 tok1 ',
    );
    expect((await fakeLog(second)).requests).toBe(0);
  });

  it('races all targets at once with after_ms 0, and moves on at once when one fails', async () => {
    const failing = uniqueId('hedge-fail');
    const slower = uniqueId('hedge-slower');
    const env = hedged([local({ id: failing, status: 500 }), local({ id: slower, ttft: 100, tokens: 1 })], {
      after_ms: 0,
    });
    const res = await callGateway({ body: chat('hedged'), env });
    expect(res.status).toBe(200);
    expect((await fakeLog(failing)).requests).toBe(1);
    expect((await fakeLog(slower)).requests).toBe(1);
  });
});

describe('fixed after the fault-injection suite found them', () => {
  it('retries a connection reset before the first content event, as a network failure', async () => {
    const id = uniqueId('reset-early');
    const res = await callGateway({
      body: chat(local({ id, tokens: 3, reset_after: 0 }), { stream: true }),
      env: fakeEnv({ UPSTREAM_MAX_RETRIES: '2' }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('upstream_unreachable');
    expect((await fakeLog(id)).requests).toBe(3);
  });

  it('estimates output tokens a provider left out of its usage, instead of reporting 0', async () => {
    const frames = await readSse(
      await callGateway({
        body: chat(local({ id: uniqueId('usage-partial'), tokens: 4, usage_partial: 1 }), {
          stream: true,
          stream_options: { include_usage: true },
        }),
      }),
    );
    expect(frames.at(-2)?.json.usage.completion_tokens).toBeGreaterThan(0);
  });
});
