import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { createNdjsonEncoder } from './ndjson';

const meta = { id: 'chatcmpl-1', model: 'local/llama', created: 7 };
const lines = (text: string) => {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line));
};

describe('createNdjsonEncoder', () => {
  it('writes one JSON line per event, opened by our start line and closed by done', () => {
    const encoder = createNdjsonEncoder(meta);
    const out = [
      encoder.event({ type: 'start', id: 'upstream-secret-id' }),
      encoder.event({ type: 'text', text: 'Hi\nthere' }),
      encoder.event({ type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' }),
      encoder.event({ type: 'tool-call-delta', index: 0, arguments: '{}' }),
      encoder.event({ type: 'guard', action: 'redact', rule: 'email' }),
      encoder.event({ type: 'finish', reason: 'tool_calls' }),
      encoder.event({ type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } }),
      encoder.end(),
    ].join('');
    expect(lines(out)).toEqual([
      { type: 'start', id: 'chatcmpl-1', model: 'local/llama', created: 7 },
      { type: 'text', text: 'Hi\nthere' },
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
      { type: 'guard', action: 'redact', rule: 'email' },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 4 } },
      { type: 'done' },
    ]);
  });

  it('opens with the start line whatever the first event is, and only once', () => {
    const encoder = createNdjsonEncoder(meta);
    const out = lines(encoder.event({ type: 'text', text: 'a' }) + encoder.event({ type: 'start' }));
    expect(out.map((line) => line.type)).toEqual(['start', 'text']);
  });

  it('ends a failed stream with the OpenAI error object instead of done', () => {
    const encoder = createNdjsonEncoder(meta);
    const error = new GatewayError(504, 'timeout_error', 'stalled', { code: 'stream_idle_timeout' });
    expect(lines(encoder.event({ type: 'text', text: 'x' }) + encoder.error(error)).at(-1)).toEqual({
      type: 'error',
      error: { message: 'stalled', type: 'timeout_error', param: null, code: 'stream_idle_timeout' },
    });
  });

  it('probes with a ping line', () => {
    expect(lines(createNdjsonEncoder(meta).probe())).toEqual([{ type: 'ping' }]);
  });

  it("leaves the upstream's own wire residue to its dialect's clients: no extras, no native usage", () => {
    const encoder = createNdjsonEncoder(meta);
    encoder.event({ type: 'start' });
    const out = lines(
      encoder.event({ type: 'upstream-extra', dialect: 'openai', fields: { x_groq: {} } }) +
        encoder.event({ type: 'refusal', text: 'No.' }) +
        encoder.event({
          type: 'usage',
          usage: { inputTokens: 1, cachedInputTokens: 1, native: { dialect: 'openai', value: { prompt_tokens: 1 } } },
        }),
    );
    expect(out).toEqual([
      { type: 'refusal', text: 'No.' },
      { type: 'usage', usage: { inputTokens: 1, cachedInputTokens: 1 } },
    ]);
  });
});
