import { describe, expect, it } from 'vitest';
import { uniqueId, untilHungUp } from '../support/fake-control';
import { callGateway, chat } from '../workers/gateway';
import { fakeLog, local, recordFor, sleep } from './support';

/** 2,560 tokens of 4,096 characters: a 10 MiB reply the fake provider writes as fast as it may. */
const TEN_MIB = { tokens: 2560, big: 4096 };
const TOTAL = TEN_MIB.tokens * TEN_MIB.big;

/**
 * Inside workerd (the real-socket versions, with a 1 KB/s reader, are in
 * test/reliability/node/real-sockets.test.ts): the relay reads the upstream only when the client
 * took the previous output, so a client that does not read stops the provider's writes.
 */
describe('backpressure (workerd)', () => {
  it('a client that never reads: the upstream is not read to the end into memory; cancelling releases it', async () => {
    const id = uniqueId('rel-never-reads');
    const model = local({ id, ...TEN_MIB });
    const res = await callGateway({ body: chat(model, { stream: true }) });
    expect(res.status).toBe(200);
    // Let the provider write as much as it can while nobody reads.
    await sleep(1000);
    const first = (await fakeLog(id)).bytesWritten;
    await sleep(500);
    const second = (await fakeLog(id)).bytesWritten;
    expect(first).toBeGreaterThan(0);
    expect(second).toBeLessThan(TOTAL / 2);
    // Stalled, not merely slow: nothing (beyond a socket buffer's worth) moved in half a second.
    expect(second - first).toBeLessThan(1024 * 1024);
    expect((await fakeLog(id)).completed).toBe(0);

    await (res.body as ReadableStream<Uint8Array>).cancel();
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'client_cancelled' });
  });

  it('a client that reads a little at a time: the provider is only ever a bounded distance ahead', async () => {
    const id = uniqueId('rel-slow-reader');
    const model = local({ id, ...TEN_MIB });
    const res = await callGateway({ body: chat(model, { stream: true }) });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let read = 0;
    let maxLead = 0;
    // ~10 reads spread over 1.5 s; each read takes at most one relay chunk.
    for (let i = 0; i < 10; i++) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      read += value?.byteLength ?? 0;
      await sleep(150);
      maxLead = Math.max(maxLead, (await fakeLog(id)).bytesWritten - read);
    }
    expect(read).toBeLessThan(TOTAL / 4);
    expect(maxLead).toBeLessThan(TOTAL / 2);
    await reader.cancel();
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    expect((await recordFor(model)).outcome).toBe('client_cancelled');
  });
});
