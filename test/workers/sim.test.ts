import { describe, expect, it } from 'vitest';
import { callGateway, chat, contentOf, fakeEnv, readSse } from './gateway';

describe('sim provider (the embedded default)', () => {
  it('streams deterministic text through the real decoder without any key', async () => {
    const env = fakeEnv({ SIM_TTFT_MS: '0', SIM_TOKENS_PER_SECOND: '0' });
    const a = contentOf(await readSse(await callGateway({ body: chat('sim/default', { stream: true }), env })));
    const b = contentOf(await readSse(await callGateway({ body: chat('sim/default', { stream: true }), env })));
    expect(a.length).toBeGreaterThan(100);
    expect(a).toBe(b);
  });

  it('produces exactly max_tokens tokens and finishes with length', async () => {
    const frames = await readSse(await callGateway({ body: chat('sim/fast', { stream: true, max_tokens: 7 }) }));
    expect(frames.filter((f) => f.json?.choices?.[0]?.delta?.content).length).toBe(7);
    expect(frames.at(-2)?.json.choices[0].finish_reason).toBe('length');
  });

  it('refuses a model it does not offer with 404 model_not_found, naming the ones it does', async () => {
    for (const stream of [true, false]) {
      const res = await callGateway({ body: chat('sim/nope', { stream }) });
      expect(res.status).toBe(404);
      const { error } = (await res.json()) as { error: { code: string; param: string; message: string } };
      expect(error).toMatchObject({ code: 'model_not_found', param: 'model' });
      expect(error.message).toContain("'sim/nope'");
      expect(error.message).toContain('sim/default, sim/fast');
    }
  });

  it('paces tokens: the first one arrives no earlier than SIM_TTFT_MS', async () => {
    const env = fakeEnv({ SIM_TTFT_MS: '120', SIM_TOKENS_PER_SECOND: '1000' });
    const started = Date.now();
    const res = await callGateway({ body: chat('sim/default', { stream: true, max_tokens: 2 }), env });
    await res.text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });
});

describe('sim provider under a JSON response_format', () => {
  it('streams a small valid JSON document, so structured output works without keys', async () => {
    const frames = await readSse(
      await callGateway({
        body: chat('sim/fast', { stream: true, response_format: { type: 'json_object' } }),
        headers: { 'x-infe-annotations': '1' },
      }),
    );
    expect(JSON.parse(contentOf(frames))).toMatchObject({ gateway: 'Infe' });
    expect(frames.find((f) => f.json?.infe?.type === 'structured-result')?.json.infe).toMatchObject({ valid: true });
  });
});
