import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { createTextEncoder } from './text';

describe('createTextEncoder', () => {
  it('writes the answer text and nothing else', () => {
    const encoder = createTextEncoder();
    const out = [
      encoder.event({ type: 'start' }),
      encoder.event({ type: 'reasoning', text: 'hidden' }),
      encoder.event({ type: 'text', text: 'Héllo ' }),
      encoder.event({ type: 'tool-call-start', index: 0, id: 'a', name: 'f' }),
      encoder.event({ type: 'text', text: '世界 👋' }),
      encoder.event({ type: 'guard', action: 'flag', rule: 'pii' }),
      encoder.event({ type: 'finish', reason: 'stop' }),
      encoder.event({ type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } }),
      encoder.end(),
    ].join('');
    expect(out).toBe('Héllo 世界 👋');
    expect(encoder.contentType).toBe('text/plain; charset=utf-8');
  });

  it('ends a failed stream with one detectable error line', () => {
    const encoder = createTextEncoder();
    const error = new GatewayError(502, 'upstream_error', "Provider 'local' reported an error.", {
      code: 'upstream_stream_error',
    });
    expect(encoder.event({ type: 'text', text: 'partial' }) + encoder.error(error)).toBe(
      "partial\n[error: upstream_stream_error] Provider 'local' reported an error.\n",
    );
  });

  it('sends nothing as a probe, since any byte would be part of the answer', () => {
    expect(createTextEncoder().probe()).toBe('');
  });

  it('writes a refusal, which is what the model answered instead', () => {
    const encoder = createTextEncoder();
    expect(encoder.event({ type: 'refusal', text: 'No.' }) + encoder.event({ type: 'reasoning', text: 'x' })).toBe(
      'No.',
    );
  });
});
