import { describe, expect, it } from 'vitest';
import { readUpstreamDetail, scrub, upstreamRequestId } from './upstream-detail';

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 400 });

describe('readUpstreamDetail', () => {
  it("reads OpenAI's and Anthropic's error shapes", async () => {
    const openai = {
      message: 'Too long.',
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    };
    expect(await readUpstreamDetail(json({ error: openai }))).toEqual(openai);
    expect(
      await readUpstreamDetail(
        json({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too big' } }),
      ),
    ).toEqual({ type: 'invalid_request_error', code: undefined, param: undefined, message: 'max_tokens: too big' });
  });

  it('returns nothing for a body that is not an error object', async () => {
    expect(await readUpstreamDetail(new Response('<html>bad gateway</html>'))).toEqual({});
    expect(await readUpstreamDetail(json({ error: 'flat string' }))).toEqual({});
  });

  it('reads at most 16 KiB of a body that does not end, and cancels it', async () => {
    let cancelled = false;
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(1024).fill(0x20));
      },
      cancel() {
        cancelled = true;
      },
    });
    expect(await readUpstreamDetail(new Response(endless))).toEqual({});
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThanOrEqual(20);
  });

  it('bounds every field and scrubs key-like strings from them', async () => {
    const detail = await readUpstreamDetail(
      json({ error: { message: `bad key sk-ant-api03-${'x'.repeat(40)} ${'y'.repeat(2000)}`, code: 'c'.repeat(500) } }),
    );
    expect(detail.message).not.toContain('sk-ant');
    expect(detail.message?.length).toBeLessThanOrEqual(501);
    expect(detail.code?.length).toBeLessThanOrEqual(129);
  });
});

describe('scrub', () => {
  it('replaces keys, bearer tokens, JWTs and long token runs; keeps ordinary text', () => {
    expect(scrub('Invalid value for temperature: 3.')).toBe('Invalid value for temperature: 3.');
    expect(scrub('key sk-proj-abcdef123456 used')).toBe('key [redacted] used');
    expect(scrub('Authorization: Bearer abc.def')).toBe('Authorization: [redacted]');
    expect(scrub('token eyJhbGciOi.eyJzdWIiOiIx.sig')).toBe('token [redacted]');
    expect(scrub(`org ${'a1'.repeat(20)}`)).toBe('org [redacted]');
    expect(scrub('line\nbreak')).toBe('line break');
  });
});

describe('upstreamRequestId', () => {
  it('takes x-request-id, else request-id', () => {
    expect(upstreamRequestId(new Headers({ 'x-request-id': 'req_1', 'request-id': 'req_2' }))).toBe('req_1');
    expect(upstreamRequestId(new Headers({ 'request-id': 'req_2' }))).toBe('req_2');
    expect(upstreamRequestId(new Headers())).toBeUndefined();
  });
});
