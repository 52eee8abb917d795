import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../schema/chat-request';
import { ORIGIN } from '../schema/client-origin';
import { cacheKey } from './cache-key';

const request = (extra: Record<string, unknown> = {}) =>
  ({ model: 'local/m', messages: [{ role: 'user', content: 'Hello' }], ...extra }) as ChatRequest;
const key = (req: ChatRequest, scope = 'key:a', targets = ['local/m']) => cacheKey({ scope, targets, request: req });

describe('cacheKey', () => {
  it('ignores stream, stream_options, infe and key order', async () => {
    const base = await key(request({ temperature: 0 }));
    expect(await key(request({ temperature: 0, stream: true, stream_options: { include_usage: true } }))).toBe(base);
    expect(await key(request({ temperature: 0, infe: { cache: { ttl_s: 5 } } }))).toBe(base);
    const reordered = { temperature: 0, messages: [{ content: 'Hello', role: 'user' }], model: 'local/m' };
    expect(await key(reordered as ChatRequest)).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the scope, the targets, any parameter, and a nested field named stream', async () => {
    const base = await key(request());
    expect(await key(request(), 'key:b')).not.toBe(base);
    expect(await key(request(), 'gateway')).not.toBe(base);
    expect(await key(request(), 'key:a', ['local/other'])).not.toBe(base);
    expect(await key(request({ temperature: 1 }))).not.toBe(base);
    // A 400 naming an unsupported field or the answer without it: not the same answer.
    expect(await key(request({ infe: { drop_unsupported_params: true } }))).not.toBe(base);
    expect(await key(request({ infe: { drop_unsupported_params: false } }))).toBe(base);
    const tool = (stream: boolean) => ({
      tools: [{ type: 'function', function: { name: 'f', parameters: { properties: { stream: { type: stream } } } } }],
    });
    expect(await key(request(tool(true)))).not.toBe(await key(request(tool(false))));
  });

  it('reads the body a same-dialect provider is sent, without its stream flag', async () => {
    const withOrigin = (anthropic: Record<string, unknown>) => {
      const req = request();
      req[ORIGIN] = { anthropic, headers: {} };
      return req;
    };
    const base = await key(withOrigin({ max_tokens: 10 }));
    expect(base).not.toBe(await key(request()));
    expect(await key(withOrigin({ max_tokens: 10, stream: true }))).toBe(base);
    expect(await key(withOrigin({ max_tokens: 11 }))).not.toBe(base);
  });
});
