import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrefixCache, promptUnits } from '../fake-provider/prefix-cache.ts';
import { scenario } from '../fake-provider/scenario.ts';
import { type FakeProvider, startFakeProvider } from '../fake-provider/server.ts';

const openai = (...contents: string[]) =>
  promptUnits('openai', { messages: contents.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })) });

describe('fake provider: prefix cache model', () => {
  it('OpenAI style: every prefix is cached, and only the part after the longest one is charged', () => {
    const cache = new PrefixCache();
    const first = openai('a'.repeat(100), 'b'.repeat(50));
    const total = (units: typeof first) => units.reduce((sum, u) => sum + u.text.length, 0);
    expect(cache.lookup(first)).toEqual({ cachedChars: 0, uncachedChars: total(first) });
    cache.store(first);
    const next = openai('a'.repeat(100), 'b'.repeat(50), 'c'.repeat(30));
    expect(cache.lookup(next)).toEqual({ cachedChars: total(first), uncachedChars: total(next) - total(first) });
    // A prompt whose start changed shares nothing, however much of its tail was seen.
    expect(cache.lookup(openai('x', 'b'.repeat(50))).cachedChars).toBe(0);
  });

  it('Anthropic style: only prefixes ending at a cache_control mark are stored; the mark is not prompt text', () => {
    const cache = new PrefixCache();
    const block = (text: string, mark = false) => ({ type: 'text', text, ...(mark && { cache_control: {} }) });
    const unmarked = promptUnits('anthropic', {
      system: 'S',
      messages: [{ role: 'user', content: [block('q1')] }],
    });
    cache.store(unmarked);
    expect(cache.lookup(unmarked).cachedChars).toBe(0);
    const marked = promptUnits('anthropic', {
      system: [block('S', true)],
      messages: [
        { role: 'user', content: [block('q1', true)] },
        { role: 'assistant', content: [block('a1')] },
      ],
    });
    cache.store(marked);
    const next = promptUnits('anthropic', {
      system: [block('S')],
      messages: [
        { role: 'user', content: [block('q1')] },
        { role: 'assistant', content: [block('a1')] },
        { role: 'user', content: [block('q2')] },
      ],
    });
    const [system, q1] = next;
    expect(cache.lookup(next).cachedChars).toBe((system?.text.length ?? 0) + (q1?.text.length ?? 0));
  });

  it('keeps a bounded number of prefixes, dropping the least recently stored', () => {
    const cache = new PrefixCache(2);
    const prompts = ['p1', 'p2', 'p3'].map((p) => openai(p));
    for (const prompt of prompts) cache.store(prompt);
    expect(prompts.map((p) => cache.lookup(p).cachedChars > 0)).toEqual([false, true, true]);
  });
});

describe('fake provider: prefix_cache scenario over HTTP', () => {
  let fake: FakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider();
  });
  afterAll(() => fake.close());

  const ttftOf = async (model: string, content: string) => {
    const started = Date.now();
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content }] }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('tok0')) text += new TextDecoder().decode((await reader.read()).value);
    const ttft = Date.now() - started;
    await reader.cancel();
    return ttft;
  };

  it('charges TTFT for the uncached prompt only, once the earlier prefill is done', async () => {
    const id = `prefix-${Date.now()}`;
    const model = scenario({ id, prefix_cache: 30, tokens: 2 });
    const prompt = 'x'.repeat(10_000);
    expect(await ttftOf(model, prompt)).toBeGreaterThanOrEqual(290);
    expect(await ttftOf(model, prompt)).toBeLessThan(100);
    const log = (await (await fetch(`${fake.url}/_control/log/${id}`)).json()) as any;
    expect(log.lastPrefix.uncachedChars).toBe(0);
    expect(await ttftOf(scenario({ id: `${id}-other`, prefix_cache: 30, tokens: 2 }), prompt)).toBeGreaterThanOrEqual(
      290,
    );
  });

  it('rejects a prefix_cache value that is not an integer', async () => {
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake;prefix_cache=fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(400);
  });
});
