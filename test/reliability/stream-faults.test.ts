import { describe, expect, it } from 'vitest';
import { MAX_SSE_LINE_CHARS } from '../../src/stream/sse-decoder';
import { fakeLog, uniqueId, untilHungUp } from '../support/fake-control';
import { callGateway, chat, errorFrame, fakeEnv } from '../workers/gateway';
import { anthropic, hasDone, local, parseSse, recordFor, textOf } from './support';

/** Streams `model` through /v1/chat/completions and parses the whole SSE body. */
async function stream(model: string, env: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const res = await callGateway({ body: chat(model, { stream: true, ...extra }), env: fakeEnv(env) });
  const text = await res.text();
  return { status: res.status, text, frames: parseSse(text) };
}

describe('malformed, split and oversized events', () => {
  it('a malformed event mid-stream: error event, no [DONE], recorded upstream_error', async () => {
    const model = local({ id: uniqueId('rel-malformed'), tokens: 6, malformed_at: 2 });
    const { status, frames } = await stream(model);
    expect(status).toBe(200);
    expect(textOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)).toMatchObject({ code: 'upstream_malformed_event', type: 'upstream_error' });
    expect(hasDone(frames)).toBe(false);
    // Nothing after the error: the error frame is the last one.
    expect(frames.at(-1)?.json?.error).toBeDefined();
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'upstream_error', error: 'upstream_malformed_event' });
  });

  it('every byte in its own TCP segment (OpenAI wire, multibyte UTF-8): relayed exactly, recorded ok', async () => {
    const text = 'Grüße, 東京 🚀 — ok';
    const model = local({ id: uniqueId('rel-split'), text, unit: 2, chunk: 1 });
    const { status, frames } = await stream(model);
    expect(status).toBe(200);
    expect(textOf(frames)).toBe(text);
    expect(frames.at(-1)?.data).toBe('[DONE]');
    expect(errorFrame(frames)).toBeUndefined();
    const record = await recordFor(model);
    expect(record).toMatchObject({ outcome: 'ok', finishReason: 'stop', tokens: { estimated: false } });
  });

  it('every byte in its own TCP segment (Anthropic wire): relayed exactly, recorded ok', async () => {
    const text = 'Zoë says 你好 👋 twice';
    const model = anthropic({ id: uniqueId('rel-split-anth'), text, unit: 3, chunk: 1 });
    const { frames } = await stream(model);
    expect(textOf(frames)).toBe(text);
    expect(frames.at(-1)?.data).toBe('[DONE]');
    const record = await recordFor(model);
    expect(record).toMatchObject({ outcome: 'ok', provider: 'anthropic', finishReason: 'stop' });
  });

  it('an event just under the SSE line limit is relayed whole', async () => {
    const big = MAX_SSE_LINE_CHARS - 64 * 1024;
    const model = local({ id: uniqueId('rel-under-limit'), tokens: 3, big, big_at: 1 });
    const { frames } = await stream(model);
    const deltas = frames.map((frame) => frame.json?.choices?.[0]?.delta?.content ?? '');
    expect(deltas.map((delta) => delta.length)).toContain(big);
    expect(frames.at(-1)?.data).toBe('[DONE]');
    expect((await recordFor(model)).outcome).toBe('ok');
  });

  it('an SSE line over 4 MiB after the first token: refused with upstream_event_too_large, upstream released', async () => {
    const id = uniqueId('rel-oversized');
    // The provider goes silent after the big event: only the gateway's abort can end its response.
    const model = local({ id, tokens: 5, big: MAX_SSE_LINE_CHARS + 200_000, big_at: 2, stall_after: 3 });
    const { status, frames, text } = await stream(model);
    expect(status).toBe(200);
    expect(textOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)).toMatchObject({ code: 'upstream_event_too_large', type: 'upstream_error' });
    expect(hasDone(frames)).toBe(false);
    // The oversized line itself never reaches the client.
    expect(text.length).toBeLessThan(3 * 1024 * 1024);
    expect((await untilHungUp(id)).hungUp).toBe(1);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'upstream_error', error: 'upstream_event_too_large' });
  });

  it('an SSE line over 4 MiB before the first token: an honest 502 upstream_event_too_large, never a 500', async () => {
    const id = uniqueId('rel-oversized-first');
    const model = local({ id, tokens: 2, big: MAX_SSE_LINE_CHARS + 100_000 });
    const res = await callGateway({
      body: chat(model, { stream: true }),
      env: fakeEnv({ UPSTREAM_MAX_RETRIES: '0' }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error).toMatchObject({
      type: 'upstream_error',
      code: 'upstream_event_too_large',
    });
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 502, outcome: 'upstream_error', error: 'upstream_event_too_large' });
  });
});

describe('stalls: the idle timeout', () => {
  it('a silent stall after 2 tokens: stream_idle_timeout event, upstream aborted, recorded timeout', async () => {
    const id = uniqueId('rel-stall');
    const model = local({ id, tokens: 10, stall_after: 2 });
    const started = Date.now();
    const { status, frames } = await stream(model, { STREAM_IDLE_TIMEOUT_MS: '200' });
    const elapsed = Date.now() - started;
    expect(status).toBe(200);
    expect(textOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)).toMatchObject({ code: 'stream_idle_timeout', type: 'timeout_error' });
    expect(hasDone(frames)).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(3000);
    expect((await untilHungUp(id)).hungUp).toBe(1);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'timeout', error: 'stream_idle_timeout' });
    // Usage never came: the two tokens sent are estimated.
    expect(record.tokens).toMatchObject({ output: 3, estimated: true });
  });

  it('a stall padded with keep-alive comments every 30 ms: still cut at the idle timeout, recorded timeout', async () => {
    const id = uniqueId('rel-stall-ka');
    const model = local({ id, tokens: 10, stall_after: 3, keepalive: 30 });
    const started = Date.now();
    const { frames } = await stream(model, { STREAM_IDLE_TIMEOUT_MS: '250' });
    const elapsed = Date.now() - started;
    expect(textOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(errorFrame(frames)?.code).toBe('stream_idle_timeout');
    expect(hasDone(frames)).toBe(false);
    expect(elapsed).toBeLessThan(3000);
    expect((await untilHungUp(id)).hungUp).toBe(1);
    expect(await recordFor(model)).toMatchObject({ outcome: 'timeout', error: 'stream_idle_timeout' });
  });

  it('silent before the first token, keep-alives only: 504 first_byte_timeout, upstream aborted, recorded timeout', async () => {
    const id = uniqueId('rel-ttfb');
    const model = local({ id, ttft: 10_000, keepalive: 25 });
    const res = await callGateway({
      body: chat(model, { stream: true }),
      env: fakeEnv({ FIRST_BYTE_TIMEOUT_MS: '200', UPSTREAM_MAX_RETRIES: '0' }),
    });
    expect(res.status).toBe(504);
    expect(((await res.json()) as any).error).toMatchObject({ code: 'first_byte_timeout', type: 'timeout_error' });
    expect((await untilHungUp(id)).hungUp).toBe(1);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 504, outcome: 'timeout', error: 'first_byte_timeout', retries: 0 });
  });

  it('a non-streaming request whose upstream stalls mid-stream: 504, recorded timeout', async () => {
    const id = uniqueId('rel-stall-json');
    const model = local({ id, tokens: 10, stall_after: 2 });
    const res = await callGateway({ body: chat(model), env: fakeEnv({ STREAM_IDLE_TIMEOUT_MS: '200' }) });
    expect(res.status).toBe(504);
    expect(((await res.json()) as any).error.code).toBe('stream_idle_timeout');
    expect((await untilHungUp(id)).hungUp).toBe(1);
    expect(await recordFor(model)).toMatchObject({ status: 504, outcome: 'timeout', error: 'stream_idle_timeout' });
  });
});

describe('connection reset mid-stream', () => {
  for (const [dialect, build] of [
    ['OpenAI', local],
    ['Anthropic', anthropic],
  ] as const) {
    it(`${dialect} wire: the tokens so far, then an error event; recorded truncated or upstream_error, never ok`, async () => {
      const id = uniqueId(`rel-reset-${dialect}`);
      const model = build({ id, tokens: 10, reset_after: 3 });
      const { status, frames } = await stream(model);
      expect(status).toBe(200);
      expect(textOf(frames)).toBe('tok0 tok1 tok2 ');
      const error = errorFrame(frames);
      expect(error?.code).toMatch(/^upstream_(truncated|unreachable)$/);
      expect(hasDone(frames)).toBe(false);
      expect((await fakeLog(id)).requests).toBe(1);
      const record = await recordFor(model);
      expect(['truncated', 'upstream_error']).toContain(record.outcome);
      expect(record.error).toBe(error?.code);
      expect(record.finishReason).toBeUndefined();
    });
  }
});

describe('an HTTP 200 whose first event is an error', () => {
  it('is a failure before the first token: retried, then an honest 502; recorded upstream_error with retries', async () => {
    const id = uniqueId('rel-err-first');
    const model = local({ id, error_first: 1 });
    const res = await callGateway({
      body: chat(model, { stream: true }),
      env: fakeEnv({ UPSTREAM_MAX_RETRIES: '1' }),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(((await res.json()) as any).error).toMatchObject({ type: 'upstream_error', code: 'upstream_overloaded' });
    expect((await fakeLog(id)).requests).toBe(2);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 502, outcome: 'upstream_error', retries: 1, error: 'upstream_overloaded' });
    expect(record.attempts.map((a) => a.error)).toEqual(['upstream_overloaded', 'upstream_overloaded']);
  });

  it('falls back through an alias to a healthy target; the client never sees the error', async () => {
    const bad = uniqueId('rel-err-first-a');
    const good = uniqueId('rel-err-first-b');
    const alias = uniqueId('rel-alias-err-first');
    const env = {
      UPSTREAM_MAX_RETRIES: '0',
      GATEWAY_CONFIG: JSON.stringify({
        aliases: { [alias]: { targets: [anthropic({ id: bad, error_first: 1 }), local({ id: good, tokens: 2 })] } },
      }),
    };
    const { status, frames } = await stream(alias, env);
    expect(status).toBe(200);
    expect(textOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)).toBeUndefined();
    expect(frames.at(-1)?.data).toBe('[DONE]');
    const record = await recordFor(alias);
    expect(record).toMatchObject({ outcome: 'ok', provider: 'local', fallbacks: 1, retries: 0 });
    expect(record.attempts[0]).toMatchObject({ provider: 'anthropic', error: 'upstream_overloaded_error' });
  });

  it('an error event after tokens: relayed as an error event, not retried, recorded upstream_error', async () => {
    const id = uniqueId('rel-err-mid');
    const model = local({ id, tokens: 5, error_after: 2 });
    const { frames } = await stream(model);
    expect(textOf(frames)).toBe('tok0 tok1 ');
    expect(errorFrame(frames)).toMatchObject({ type: 'upstream_error', code: 'upstream_overloaded' });
    expect(hasDone(frames)).toBe(false);
    expect((await fakeLog(id)).requests).toBe(1);
    expect(await recordFor(model)).toMatchObject({ outcome: 'upstream_error', error: 'upstream_overloaded' });
  });
});

describe('end of stream without a finish', () => {
  it('OpenAI wire, streaming: upstream_truncated event, no [DONE], recorded truncated', async () => {
    const model = local({ id: uniqueId('rel-nofinish'), tokens: 3, no_finish: 1 });
    const { frames } = await stream(model);
    expect(textOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(errorFrame(frames)?.code).toBe('upstream_truncated');
    expect(hasDone(frames)).toBe(false);
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'truncated', error: 'upstream_truncated' });
    expect(record.finishReason).toBeUndefined();
  });

  it('Anthropic wire (no message_stop) into an Anthropic client: an `error` event, no message_stop', async () => {
    const model = anthropic({ id: uniqueId('rel-nofinish-anth'), tokens: 3, no_finish: 1 });
    const res = await callGateway({
      path: '/v1/messages',
      body: { model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] },
    });
    expect(res.status).toBe(200);
    const frames = parseSse(await res.text());
    const last = frames.at(-1);
    expect(last?.event).toBe('error');
    expect(last?.json).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
    expect(frames.some((frame) => frame.event === 'message_stop')).toBe(false);
    expect(await recordFor(model)).toMatchObject({ route: '/v1/messages', outcome: 'truncated' });
  });

  it('non-streaming: a 502 upstream_truncated instead of a short answer, recorded truncated', async () => {
    const model = local({ id: uniqueId('rel-nofinish-json'), tokens: 3, no_finish: 1 });
    const res = await callGateway({ body: chat(model) });
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('upstream_truncated');
    expect(await recordFor(model)).toMatchObject({ status: 502, outcome: 'truncated', error: 'upstream_truncated' });
  });
});
