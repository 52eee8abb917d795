import { describe, expect, it } from 'vitest';
import { samplesFrom } from './latency-routing';

describe('samplesFrom', () => {
  it('turns a request’s attempts into samples: TTFT from the one that streamed, failures as errors', () => {
    expect(
      samplesFrom([
        { provider: 'groq', model: 'llama', error: 'upstream_http_503' },
        { provider: 'groq', model: 'llama', error: 'first_byte_timeout' },
        { provider: 'cerebras', model: 'llama', ttftMs: 120 },
      ]),
    ).toEqual([
      { target: 'groq/llama', ok: false },
      { target: 'groq/llama', ok: false },
      { target: 'cerebras/llama', ok: true, ttftMs: 120 },
    ]);
  });

  it('leaves out failures that are not the target’s: the request’s own, a hedge we cut, a missing config', () => {
    const attempts = ['upstream_rejected_request', 'hedge_lost', 'provider_not_configured'].map((error) => ({
      provider: 'p',
      model: 'm',
      error,
    }));
    expect(samplesFrom(attempts)).toEqual([]);
  });
});
