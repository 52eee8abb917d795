import { describe, expect, it } from 'vitest';
import workersAIText from '../fixtures/workers-ai-text.sse?raw';
import { callGateway, chat, contentOf, errorFrame, fakeEnv, readSse } from './gateway';

/**
 * Stands in for the `AI` binding (which needs a Cloudflare account): `run` returns the byte
 * stream the real binding returns for `stream: true`, cut into uneven reads.
 */
function standInAI(wire: string) {
  const calls: Array<{ model: string; inputs: any }> = [];
  const ai = {
    async run(model: string, inputs: unknown) {
      calls.push({ model, inputs });
      const bytes = new TextEncoder().encode(wire);
      let offset = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          const size = 1 + (offset % 7);
          controller.enqueue(bytes.slice(offset, offset + size));
          offset += size;
        },
      });
    },
  };
  return { ai, calls };
}

describe('workers-ai provider (AI binding)', () => {
  it('streams the binding output as OpenAI chunks with usage', async () => {
    const { ai, calls } = standInAI(workersAIText);
    const model = 'workers-ai/@cf/meta/llama-3.1-8b-instruct';
    const res = await callGateway({
      body: chat(model, { stream: true, stream_options: { include_usage: true }, max_tokens: 20, temperature: 0.3 }),
      env: fakeEnv({ AI: ai }),
    });
    const frames = await readSse(res);
    expect(contentOf(frames)).toBe('Hi there ☕');
    // The built-in price of this model: $0.282 input and $0.827 output per million tokens.
    const cost = (12 * 0.282 + 3 * 0.827) / 1e6;
    expect(frames.at(-2)?.json.usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      cost: expect.closeTo(cost, 15),
    });
    expect(calls[0]).toEqual({
      model: '@cf/meta/llama-3.1-8b-instruct',
      inputs: { messages: [{ role: 'user', content: 'Hello' }], stream: true, max_tokens: 20, temperature: 0.3 },
    });
  });

  it('reports a binding stream that ends without [DONE] as truncated', async () => {
    const { ai } = standInAI(workersAIText.replace('data: [DONE]\n\n', ''));
    const frames = await readSse(
      await callGateway({ body: chat('workers-ai/@cf/x', { stream: true }), env: fakeEnv({ AI: ai }) }),
    );
    expect(errorFrame(frames)?.code).toBe('upstream_truncated');
  });

  it('translates field by field: same-named options go through, the rest is refused by name or dropped and listed', async () => {
    const model = 'workers-ai/@cf/meta/llama-3.1-8b-instruct';
    const { ai, calls } = standInAI(workersAIText);
    const same = { top_k: 40, repetition_penalty: 1.1, seed: 3, frequency_penalty: 0.2 };
    const ok = await callGateway({
      body: chat(model, { ...same, stream_options: { include_obfuscation: false } }),
      env: fakeEnv({ AI: ai }),
    });
    expect(ok.status).toBe(200);
    expect(calls[0]?.inputs).toMatchObject(same);
    expect(calls[0]?.inputs).not.toHaveProperty('stream_options');

    for (const [extra, param] of [
      [{ stop: ['END'] }, 'stop'],
      [{ tool_choice: 'auto' }, 'tool_choice'],
      [
        { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
        'messages[0].content[0]',
      ],
    ] as const) {
      const res = await callGateway({ body: chat(model, extra), env: fakeEnv({ AI: ai }) });
      expect(res.status).toBe(400);
      const error = ((await res.json()) as any).error;
      expect(error).toMatchObject({ code: 'unsupported_parameter', param });
      expect(error.message).toContain("'workers-ai'");
    }
    expect(calls).toHaveLength(1);

    const dropped = await callGateway({
      body: chat(model, { stop: ['END'], user: 'u-1', infe: { drop_unsupported_params: true } }),
      env: fakeEnv({ AI: ai }),
    });
    expect(dropped.status).toBe(200);
    expect(dropped.headers.get('x-infe-dropped-params')).toBe('stop, user');
    expect(calls[1]?.inputs).not.toHaveProperty('stop');
  });

  it('is not offered without the binding, and says so', async () => {
    const res = await callGateway({ body: chat('workers-ai/@cf/x') });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain('AI');
  });
});
