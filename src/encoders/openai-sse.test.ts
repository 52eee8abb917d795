import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
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
});
