import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import type { StreamEvent } from '../stream/events';
import { createOpenAISseEncoder } from './openai-sse';

const meta = { id: 'chatcmpl-1', model: 'groq/llama', created: 1 };
const frames = (text: string) =>
  text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => frame.replace(/^data: /, ''))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));

describe('createOpenAISseEncoder', () => {
  it('opens with the role chunk whatever comes first, then one chunk per delta', () => {
    const encoder = createOpenAISseEncoder(meta, false);
    const out = frames(
      encoder.event({ type: 'text', text: 'Hi' }) + encoder.event({ type: 'finish', reason: 'length' }) + encoder.end(),
    );
    expect(out[0]).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      model: 'groq/llama',
      choices: [{ delta: { role: 'assistant', content: '' } }],
    });
    expect(out[1].choices[0]).toEqual({ index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null });
    expect(out[2].choices[0]).toMatchObject({ delta: {}, finish_reason: 'length' });
    expect(out[3]).toBe('[DONE]');
  });

  it('puts usage in its own chunk just before [DONE], only when asked', () => {
    const usage = { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } } as const;
    const asked = createOpenAISseEncoder(meta, true);
    const out = frames(asked.event({ type: 'start' }) + asked.event(usage) + asked.end());
    expect(out.at(-2)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
    const silent = createOpenAISseEncoder(meta, false);
    expect(silent.event(usage) + silent.end()).not.toContain('usage');
  });

  it('encodes text that needs escaping as valid JSON', () => {
    const encoder = createOpenAISseEncoder(meta, false);
    const text = 'line\n\n"quoted" \\ </script> \u2028';
    expect(frames(encoder.event({ type: 'text', text }))[1].choices[0].delta.content).toBe(text);
  });

  it('writes errors in the OpenAI error shape', () => {
    const error = new GatewayError(504, 'timeout_error', 'stalled', { code: 'stream_idle_timeout' });
    expect(frames(createOpenAISseEncoder(meta, false).error(error))).toEqual([
      { error: { message: 'stalled', type: 'timeout_error', param: null, code: 'stream_idle_timeout' } },
    ]);
  });

  it('writes refusal deltas, and a role chunk before each choice of n > 1', () => {
    const encoder = createOpenAISseEncoder(meta, false);
    const out = frames(
      encoder.event({ type: 'refusal', text: 'No.' }) + encoder.event({ type: 'text', text: 'Yes', choice: 1 }),
    );
    expect(out.map((chunk) => chunk.choices[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { refusal: 'No.' }, logprobs: null, finish_reason: null },
      { index: 1, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 1, delta: { content: 'Yes' }, logprobs: null, finish_reason: null },
    ]);
  });

  it('merges an upstream extra into the next chunk of its read; flush() sends one that found none', () => {
    const encoder = createOpenAISseEncoder(meta, false);
    const logprobs = { content: [{ token: 'Hi', logprob: -1, bytes: [72, 105], top_logprobs: [] }], refusal: null };
    const extra: StreamEvent = {
      type: 'upstream-extra',
      dialect: 'openai',
      choices: [{ index: 0, fields: { logprobs } }],
    };
    encoder.event({ type: 'start' });
    const merged = frames(encoder.event(extra) + encoder.event({ type: 'text', text: 'Hi' }) + encoder.flush?.());
    expect(merged.at(-1).choices[0]).toEqual({ index: 0, delta: { content: 'Hi' }, logprobs, finish_reason: null });
    // A stage held the text back: the extra still leaves with its read, in a chunk of its own.
    const held = frames(`${encoder.event(extra)}${encoder.flush?.()}`);
    expect(held).toEqual([expect.objectContaining({ choices: [{ ...merged.at(-1).choices[0], delta: {} }] })]);
    expect(encoder.flush?.()).toBe('');
  });

  it("repeats the upstream's stream constants on every chunk and skips Anthropic-only extras", () => {
    const encoder = createOpenAISseEncoder(meta, false);
    const constants = { system_fingerprint: 'fp_1', service_tier: 'default' };
    const out = frames(
      encoder.event({ type: 'upstream-extra', dialect: 'openai', constants, alone: true }) +
        encoder.event({
          type: 'upstream-extra',
          dialect: 'anthropic',
          event: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 's' } },
        }) +
        encoder.event({ type: 'text', text: 'Hi' }) +
        encoder.end(),
    );
    expect(out.slice(0, -1).map((chunk) => [chunk.system_fingerprint, chunk.service_tier])).toEqual([
      ['fp_1', 'default'],
      ['fp_1', 'default'],
    ]);
    expect(JSON.stringify(out)).not.toContain('signature');
  });

  it('leaves a usage count nobody reported out, and maps cache and reasoning counts from another dialect', () => {
    const encoder = createOpenAISseEncoder(meta, true);
    encoder.event({ type: 'usage', usage: { outputTokens: 4, cachedInputTokens: 2, reasoningTokens: 1 } });
    expect(frames(encoder.end()).at(-2).usage).toEqual({
      completion_tokens: 4,
      prompt_tokens_details: { cached_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 1 },
    });
  });
});
