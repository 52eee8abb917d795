// Smoke test of the fake provider itself: `node test/fake-provider/selfcheck.ts`.
import assert from 'node:assert/strict';
import { scenario, startFakeProvider } from './server.ts';

const fp = await startFakeProvider();
const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(fp.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: signal ?? null,
  });
const anth = { 'anthropic-version': '2023-06-01' };
const log = async (id: string) =>
  (await (await fetch(`${fp.url}/_control/log/${id}`)).json()) as Record<string, unknown>;
const msgs = [{ role: 'user', content: 'hi' }];

/** Reads a body to the end, counting reads; resolves with the error instead of throwing. */
async function drain(res: Response): Promise<{ text: string; reads: number; error: unknown }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let text = '';
  let reads = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, reads, error: null };
      reads++;
      text += dec.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, reads, error };
  }
}

const dataLines = (sse: string) =>
  sse
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));

try {
  // OpenAI streaming with usage.
  {
    const res = await post('/v1/chat/completions', {
      model: scenario({ tokens: 3, id: 'oa' }),
      messages: msgs,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const { text } = await drain(res);
    const data = dataLines(text);
    assert.equal(data.at(-1), '[DONE]');
    const chunks = data.slice(0, -1).map(
      (d) =>
        JSON.parse(d) as {
          choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[];
          usage: unknown;
        },
    );
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'tok0 tok1 tok2 ');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    const usage = chunks.at(-1)?.usage as { completion_tokens: number } | undefined;
    assert.equal(usage?.completion_tokens, 3);
    assert.equal((await log('oa')).completed, 1);
  }
  // Anthropic streaming: event order and text.
  {
    const res = await post(
      '/v1/messages',
      { model: scenario({ tokens: 2 }), max_tokens: 10, messages: msgs, stream: true },
      anth,
    );
    const { text } = await drain(res);
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => /^event: (\w+)/.exec(e)?.[1]);
    assert.deepEqual(events, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.match(text, /"text":"tok0 "/);
    assert.match(text, /"stop_reason":"end_turn"/);
  }
  // Anthropic without anthropic-version is rejected in Anthropic's error shape.
  {
    const res = await post('/v1/messages', { model: 'fake', messages: msgs });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
  }
  // Non-streaming bodies.
  {
    const oa = (await (
      await post('/v1/chat/completions', { model: scenario({ tokens: 2 }), messages: msgs })
    ).json()) as { choices: { message: { content: string } }[] };
    assert.equal(oa.choices[0]?.message.content, 'tok0 tok1 ');
    const an = (await (await post('/v1/messages', { model: scenario({ tool: 1 }), messages: msgs }, anth)).json()) as {
      content: { input: unknown }[];
      stop_reason: string;
    };
    assert.deepEqual(an.content[0]?.input, { city: 'Paris' });
    assert.equal(an.stop_reason, 'tool_use');
  }
  // Invalid scenario is a 400 with a clear message.
  {
    const res = await post('/v1/chat/completions', { model: 'fake;tokens=abc', messages: msgs });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /invalid value "abc" for scenario key "tokens"/);
  }
  // 429 once, then success.
  {
    const model = scenario({ status: 429, fail_times: 1, retry_after: 2, id: 'retry' });
    const first = await post('/v1/chat/completions', { model, messages: msgs });
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '2');
    const err = (await first.json()) as { error: { code: string; param: unknown } };
    assert.equal(err.error.code, 'rate_limit_exceeded');
    assert.equal(err.error.param, null);
    const second = await post('/v1/chat/completions', { model, messages: msgs });
    assert.equal(second.status, 200);
    await second.text();
    assert.equal((await log('retry')).requests, 2);
  }
  // reset_after=2: two tokens arrive, then the connection dies without [DONE].
  {
    const res = await post('/v1/chat/completions', {
      model: scenario({ reset_after: 2, id: 'reset' }),
      messages: msgs,
      stream: true,
    });
    const { text, error } = await drain(res);
    assert.ok(error, 'expected a read error after reset');
    assert.match(text, /tok1 /);
    assert.doesNotMatch(text, /tok2 |\[DONE\]/);
    assert.equal((await log('reset')).hungUp, 0);
  }
  // Stall + client abort is logged as a hang-up; keep-alive comments flow meanwhile.
  {
    const ac = new AbortController();
    const res = await post(
      '/v1/chat/completions',
      { model: scenario({ stall_after: 1, keepalive: 20, id: 'stall' }), messages: msgs, stream: true },
      {},
      ac.signal,
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    while (!seen.includes(': keep-alive')) seen += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await reader.read().catch(() => {});
    // Long-polls until the fake has seen the hang-up (or half a second passed).
    const l = (await (await fetch(`${fp.url}/_control/until/stall?hung_up=1&within_ms=500`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(l.hungUp, 1);
    assert.equal(typeof l.lastHangupAt, 'number');
  }
  // chunk=1: same bytes as an unchunked stream, but delivered in many reads.
  {
    const body = { messages: msgs, stream: true, stream_options: { include_obfuscation: false } };
    const a = await drain(await post('/v1/chat/completions', { ...body, model: scenario({ tokens: 3, chunk: 1 }) }));
    const b = await drain(await post('/v1/chat/completions', { ...body, model: scenario({ tokens: 3 }) }));
    const norm = (t: string) =>
      t
        .replace(/chatcmpl-fake\d+/g, 'ID')
        .replace(/"created":\d+/g, '')
        .replaceAll(';chunk=1', '');
    assert.equal(norm(a.text), norm(b.text));
    assert.ok(a.reads > 20, `expected many reads with chunk=1, got ${a.reads}`);
  }
  // A reply nobody reads: the fake says when its socket holds it back.
  {
    const ac = new AbortController();
    const res = await post(
      '/v1/chat/completions',
      { model: scenario({ id: 'unread', tokens: 2000, big: 4096 }), messages: msgs, stream: true },
      {},
      ac.signal,
    );
    const stall = (await (await fetch(`${fp.url}/_control/stall/unread?quiet_ms=200&within_ms=5000`)).json()) as {
      stalled: boolean;
      bytesWritten: number;
    };
    assert.equal(stall.stalled, true);
    assert.ok(stall.bytesWritten < 2000 * 4096, `wrote ${stall.bytesWritten} bytes to a reader that never read`);
    ac.abort();
    await res.body?.cancel().catch(() => {});
  }
  // close() must not hang on a stalled response.
  void post('/v1/chat/completions', {
    model: scenario({ stall_after: 0, id: 'stalled' }),
    messages: msgs,
    stream: true,
  }).then(drain, () => {});
  await fetch(`${fp.url}/_control/until/stalled?requests=1&within_ms=1000`);
  console.log('fake-provider selfcheck: ok');
} finally {
  const t = Date.now();
  await fp.close();
  assert.ok(Date.now() - t < 1000, 'close() took too long');
}
