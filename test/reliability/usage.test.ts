import { describe, expect, it } from 'vitest';
import { uniqueId } from '../support/fake-control';
import { callGateway, chat } from '../workers/gateway';
import { anthropic, local, parseSse, recordFor, textOf } from './support';

/** Streams with `stream_options.include_usage`, so the client is owed a usage chunk. */
async function streamWithUsage(model: string) {
  const res = await callGateway({ body: chat(model, { stream: true, stream_options: { include_usage: true } }) });
  expect(res.status).toBe(200);
  const frames = parseSse(await res.text());
  const usages = frames.filter((frame) => frame.json?.usage).map((frame) => frame.json.usage);
  return { frames, usages };
}

describe('usage: missing, duplicated, split', () => {
  it('missing: the client gets no invented usage chunk; the record estimates tokens and says so', async () => {
    const model = local({ id: uniqueId('rel-no-usage'), tokens: 4, no_usage: 1 });
    const { frames, usages } = await streamWithUsage(model);
    expect(textOf(frames)).toBe('tok0 tok1 tok2 tok3 ');
    expect(usages).toEqual([]);
    expect(frames.at(-1)?.data).toBe('[DONE]');
    const record = await recordFor(model);
    expect(record.outcome).toBe('ok');
    // 20 characters at 4 a token.
    expect(record.tokens).toEqual({ output: 5, estimated: true });
  });

  it('duplicated: one usage chunk reaches the client and the record counts the tokens once', async () => {
    const model = local({ id: uniqueId('rel-usage-twice'), tokens: 4, usage_twice: 1 });
    const { frames, usages } = await streamWithUsage(model);
    expect(textOf(frames)).toBe('tok0 tok1 tok2 tok3 ');
    expect(usages).toHaveLength(1);
    expect(usages[0]).toMatchObject({ completion_tokens: 4 });
    const record = await recordFor(model);
    expect(record.tokens).toMatchObject({ output: 4, estimated: false });
    expect(record.tokens.input).toBe(usages[0].prompt_tokens);
  });

  it('split across events (Anthropic: input at message_start, output at message_delta): combined, not estimated', async () => {
    const model = anthropic({ id: uniqueId('rel-usage-split'), tokens: 3 });
    const { usages } = await streamWithUsage(model);
    expect(usages).toHaveLength(1);
    expect(usages[0].prompt_tokens).toBeGreaterThan(0);
    expect(usages[0].completion_tokens).toBe(3);
    const record = await recordFor(model);
    // The fake reports its cache counts (0): reported counts are logged, as the provider gave them.
    expect(record.tokens).toEqual({
      input: usages[0].prompt_tokens,
      output: 3,
      cachedInput: 0,
      cacheCreationInput: 0,
      estimated: false,
    });
  });

  it('duplicated on the Anthropic wire (message_delta twice): counted once', async () => {
    const model = anthropic({ id: uniqueId('rel-usage-twice-anth'), tokens: 3, usage_twice: 1 });
    const { usages } = await streamWithUsage(model);
    expect(usages).toHaveLength(1);
    expect(usages[0].completion_tokens).toBe(3);
    expect((await recordFor(model)).tokens).toMatchObject({ output: 3, estimated: false });
  });

  it('a failed stream still accounts for what was sent: estimated tokens on a truncated record', async () => {
    const model = local({ id: uniqueId('rel-usage-cut'), tokens: 8, no_finish: 1 });
    const { frames } = await streamWithUsage(model);
    expect(textOf(frames)).toBe('tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7 ');
    const record = await recordFor(model);
    expect(record.outcome).toBe('truncated');
    expect(record.tokens).toEqual({ output: 10, estimated: true });
  });
});
