import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { eventually, uniqueId, untilHungUp } from '../support/fake-control';
import { callGateway, chat } from './gateway';
import { bearer, createKey, deployed } from './keys';

describe('WRITE_IDLE_TIMEOUT_MS', () => {
  it("a client that stops reading gives the key's only slot back", async () => {
    const { key } = await createKey({ concurrency: 1 });
    const env = deployed({ WRITE_IDLE_TIMEOUT_MS: '200' });
    const id = uniqueId('write-idle');
    const body = chat(`local/${scenario({ id, tokens: 2000, gap: 1 })}`, { stream: true });
    const stalled = await callGateway({ body, env, headers: bearer(key) });
    expect(stalled.status).toBe(200);
    // Its body is never read: the slot is held until the write-idle limit ends the stream.
    expect((await untilHungUp(id)).completed).toBe(0);
    const next = await eventually(
      () => callGateway({ body: chat('sim/fast'), env, headers: bearer(key) }),
      (res) => res.status !== 429,
    );
    expect(next.status).toBe(200);
  });
});
