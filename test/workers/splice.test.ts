import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { logsFor, recordFor } from '../reliability/support';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, errorFrame, fakeEnv, readSse, settledFor } from './gateway';

const TOKENS = 20;
/** Ten points across a 20-unit reply: after the 1st, 3rd, … 19th unit. */
const POINTS = Array.from({ length: 10 }, (_, i) => 2 * i + 1);
const FAILURES = [
  { kind: 'reset', key: 'reset_after', code: 'upstream_unreachable' },
  { kind: 'truncation without finish', key: 'truncate_after', code: 'upstream_truncated' },
  { kind: 'stall past the idle timeout', key: 'stall_after', code: 'stream_idle_timeout' },
  { kind: 'in-band error', key: 'error_after', code: 'upstream_overloaded' },
] as const;

/** The fake's reply for `tokens: TOKENS`, as test/fake-provider/scenario.ts spells it. */
const reply = Array.from({ length: TOKENS }, (_, i) => `tok${i} `).join('');

interface Setup {
  targets: string[];
  resume?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

/** One alias of its own per call, so its record is found by name. */
async function callAlias(setup: Setup, body: Record<string, unknown> = {}) {
  const alias = uniqueId('spliced');
  const config = { aliases: { [alias]: { targets: setup.targets, ...(setup.resume && { resume: setup.resume }) } } };
  const env = fakeEnv({
    UPSTREAM_MAX_RETRIES: '0',
    STREAM_IDLE_TIMEOUT_MS: '150',
    GATEWAY_CONFIG: JSON.stringify(config),
    ...setup.env,
  });
  const res = await callGateway({ body: chat(alias, { stream: true, ...body }), env });
  expect(res.status).toBe(200);
  return { alias, frames: await readSse(res) };
}

/** Reads a streaming response until `marker` has arrived; returns its reader, to go on or cancel. */
async function readUntil(res: Response, marker: string) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before '${marker}'`);
    seen += decoder.decode(value, { stream: true });
  }
  return reader;
}

const finishes = (frames: Awaited<ReturnType<typeof readSse>>) =>
  frames.filter((f) => f.json?.choices?.[0]?.finish_reason).map((f) => f.json.choices[0].finish_reason);

describe('mid-stream failover with splice', () => {
  for (const failure of FAILURES) {
    it(`${failure.kind} at ten points: splice on, the client gets the uninterrupted reply and one finish`, async () => {
      for (const at of POINTS) {
        const first = uniqueId('first');
        const second = uniqueId('second');
        const { frames, alias } = await callAlias({
          targets: [
            `local/${scenario({ id: first, tokens: TOKENS, [failure.key]: at })}`,
            `anthropic/${scenario({ id: second, tokens: TOKENS })}`,
          ],
          resume: { mode: 'splice' },
        });
        expect(contentOf(frames), `${failure.kind} after ${at}`).toBe(reply);
        expect(errorFrame(frames)).toBeUndefined();
        expect(finishes(frames)).toEqual(['stop']);
        expect(frames.at(-1)?.data).toBe('[DONE]');
        const record = await recordFor(alias);
        expect(record.outcome).toBe('ok');
        expect(record.attempts.map((a) => [a.provider, a.error, a.splice])).toEqual([
          ['local', failure.code, undefined],
          ['anthropic', undefined, 1],
        ]);
        const delivered = reply.split(' ').slice(0, at).join(' ').length + 1;
        expect(record.splices).toEqual([
          expect.objectContaining({
            failure: failure.code,
            offsetChars: delivered,
            offsetTokens: Math.ceil(delivered / 4),
            // The space Anthropic refuses at the end of a prefix comes back and is dropped.
            overlapChars: 1,
            promptTokensEstimated: false,
          }),
        ]);
        expect(record.splices?.[0]?.promptTokens).toBeGreaterThan(0);
        const sent = (await fakeLog(second)).lastBody as { messages: Array<{ role: string; content: unknown }> };
        expect(sent.messages.at(-1)).toEqual({ role: 'assistant', content: reply.slice(0, delivered - 1) });
      }
    });

    it(`${failure.kind} at ten points: splice off, today's honest error`, async () => {
      for (const at of POINTS) {
        const first = uniqueId('first');
        const { frames } = await callAlias({
          targets: [
            `local/${scenario({ id: first, tokens: TOKENS, [failure.key]: at })}`,
            `anthropic/${scenario({ id: uniqueId('unused'), tokens: TOKENS })}`,
          ],
        });
        expect(contentOf(frames)).toBe(`${reply.split(' ').slice(0, at).join(' ')} `);
        expect(errorFrame(frames)?.code).toBe(failure.code);
        expect(finishes(frames)).toEqual([]);
      }
    });
  }

  it('a client that leaves after a splice: the continuation is counted its own prompt and the text after the splice', async () => {
    const target = `local/${scenario({ id: uniqueId('left'), tokens: 200, gap: 5, reset_after: 4 })}`;
    const alias = uniqueId('spliced');
    const config = { aliases: { [alias]: { targets: [target], resume: { mode: 'splice' } } } };
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '0', LOG_PAYLOADS: 'true', GATEWAY_CONFIG: JSON.stringify(config) });
    const res = await callGateway({ body: chat(alias, { stream: true }), env });
    const reader = await readUntil(res, 'tok20 ');
    await reader.cancel();

    const record = await recordFor(alias);
    expect(record.outcome).toBe('client_cancelled');
    const splice = record.splices?.[0];
    expect(splice?.offsetTokens).toBeGreaterThan(0);
    const relayed = Math.ceil((record.completion ?? '').length / 4);
    expect(record.tokens).toMatchObject({
      input: splice?.promptTokens,
      output: relayed - (splice?.offsetTokens ?? 0),
      estimated: true,
    });
  });

  it('a request that joined a cached stream in flight pays for the continuation it spliced on, not for what the cache served', async () => {
    const target = `local/${scenario({ id: uniqueId('joined'), tokens: 30, gap: 10, reset_after: 8 })}`;
    const alias = uniqueId('spliced');
    const config = {
      aliases: { [alias]: { targets: [target], resume: { mode: 'splice' }, cache: { ttl_s: 60 } } },
      prices: { [target]: { input: 2, output: 10 } },
    };
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '0', GATEWAY_CONFIG: JSON.stringify(config) });
    const body = chat(alias, { stream: true, stream_options: { include_usage: true } });
    const leader = await callGateway({ body, env });
    const reader = await readUntil(leader, 'tok2 ');
    const joined = await callGateway({ body, env });
    expect(joined.headers.get('x-infe-cache')).toBe('collapsed');
    expect(contentOf(await readSse(joined))).toBe(Array.from({ length: 30 }, (_, i) => `tok${i} `).join(''));
    await reader.cancel();

    await settledFor(alias);
    const record = (await logsFor(alias)).find((row) => row.cache?.status === 'collapsed');
    if (!record) throw new Error('no record of the request that joined');
    expect(record.splices).toHaveLength(1);
    const { input = 0, output = 0, estimated } = record.tokens;
    expect([input > 0, output > 0, estimated]).toEqual([true, true, false]);
    expect(record.cost).toEqual({ usd: expect.any(Number), estimated: false });
    expect(record.cost?.usd).toBeCloseTo((input * 2 + output * 10) / 1e6, 12);
  });

  it("the record's cost counts the attempt that failed (its prompt and the reply up to the splice) and the continuation", async () => {
    const first = `local/${scenario({ id: uniqueId('first'), tokens: TOKENS, truncate_after: 9 })}`;
    const second = `anthropic/${scenario({ id: uniqueId('second'), tokens: TOKENS })}`;
    const prices = { [first]: { input: 2, output: 10 }, [second]: { input: 3, output: 15 } };
    const alias = uniqueId('spliced');
    const config = { aliases: { [alias]: { targets: [first, second], resume: { mode: 'splice' } } }, prices };
    const env = fakeEnv({ UPSTREAM_MAX_RETRIES: '0', GATEWAY_CONFIG: JSON.stringify(config) });
    const body = chat(alias, { stream: true });
    const res = await callGateway({ body, env });
    expect(contentOf(await readSse(res))).toBe(reply);

    const record = await recordFor(alias);
    const splice = record.splices?.[0];
    expect(splice?.offsetTokens).toBeGreaterThan(0);
    const { input = 0, output = 0 } = record.tokens;
    expect(input).toBeGreaterThan(0);
    const prompt = Math.ceil(JSON.stringify(body.messages).length / 4);
    const failed = prompt * 2 + (splice?.offsetTokens ?? 0) * 10;
    const continuation = input * 3 + output * 15;
    expect(record.cost).toEqual({ usd: expect.any(Number), estimated: true });
    expect(record.cost?.usd).toBeCloseTo((failed + continuation) / 1e6, 12);
  });
});
