import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, uniqueId } from '../support/fake-control';
import { callGateway, chat, contentOf, fakeEnv, readSse, settledAfter } from './gateway';

const local = (opts: Record<string, string | number>) => `local/${scenario(opts)}`;
const cached = (overrides: Record<string, unknown> = {}) =>
  fakeEnv({ GATEWAY_CONFIG: JSON.stringify({ cache: { ttl_s: 60 } }), ...overrides });

describe('response cache: hit and miss', () => {
  it('serves an identical second request from the cache, with one upstream request', async () => {
    const id = uniqueId('hit');
    const env = cached();
    const body = chat(local({ id, tokens: 6 }), { stream: true });
    const first = await callGateway({ body, env });
    expect(first.headers.get('x-infe-cache')).toBe('miss');
    const firstText = await first.text();
    await settledAfter(first);
    const second = await callGateway({ body, env });
    expect(second.headers.get('x-infe-cache')).toBe('hit');
    expect(second.headers.get('x-infe-cache-key')).toBe(first.headers.get('x-infe-cache-key'));
    const secondText = await second.text();
    expect(secondText.length).toBeGreaterThan(0);
    console.log(firstText, secondText);
    expect((await fakeLog(id)).requests).toBe(1);
  });
});
