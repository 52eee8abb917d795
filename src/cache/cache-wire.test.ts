import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../stream/events';
import { asHit, cachedUsage, createCacheDecoder, eventLine } from './cache-wire';

const events: StreamEvent[] = [
  { type: 'start', id: 'x' },
  { type: 'text', text: 'Grüße 🚀\nzwei' },
  { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
  { type: 'finish', reason: 'stop' },
];

describe('cache wire', () => {
  it('decodes the lines whatever the byte split, multibyte characters included', () => {
    const bytes = new TextEncoder().encode(events.map(eventLine).join(''));
    for (let step = 1; step <= 7; step++) {
      const out: StreamEvent[] = [];
      const decoder = createCacheDecoder();
      for (let i = 0; i < bytes.length; i += step) decoder.push(bytes.slice(i, i + step), (e) => out.push(e));
      decoder.end((e) => out.push(e));
      expect(out).toEqual(events);
    }
  });

  it('a hit reports every prompt token as cached, in the typed counts and the native objects', () => {
    expect(cachedUsage({ inputTokens: 9, outputTokens: 2, cacheCreationInputTokens: 4 })).toEqual({
      inputTokens: 9,
      outputTokens: 2,
      cachedInputTokens: 9,
      cacheCreationInputTokens: 0,
    });
    const openai = cachedUsage({
      inputTokens: 9,
      native: { dialect: 'openai', value: { prompt_tokens: 9, prompt_tokens_details: { audio_tokens: 0 } } },
    });
    expect(openai.native?.value).toEqual({
      prompt_tokens: 9,
      prompt_tokens_details: { audio_tokens: 0, cached_tokens: 9 },
    });
    const anthropic = cachedUsage({
      inputTokens: 15,
      native: {
        dialect: 'anthropic',
        value: { input_tokens: 9, cache_read_input_tokens: 2, cache_creation_input_tokens: 4, output_tokens: 3 },
      },
    });
    expect(anthropic.native?.value).toEqual({
      input_tokens: 0,
      cache_read_input_tokens: 15,
      cache_creation_input_tokens: 0,
      output_tokens: 3,
    });
    expect(asHit({ type: 'text', text: 'a' })).toEqual({ type: 'text', text: 'a' });
  });
});
