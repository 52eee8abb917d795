import { describe, expect, it } from 'vitest';
import { uniqueId, untilHungUp, untilStalled } from '../support/fake-control';
import { callGateway, chat } from '../workers/gateway';
import { local, recordFor } from './support';

/** 2,560 tokens of 4,096 characters: a 10 MiB reply the fake provider writes as fast as it may. */
const TEN_MIB = { tokens: 2560, big: 4096 };
const TOTAL = TEN_MIB.tokens * TEN_MIB.big;

/**
 * Inside workerd (the real-socket versions, with a 1 KB/s reader, are in
 * test/reliability/node/real-sockets.test.ts): the relay reads the upstream only when the client
 * took the previous output, so a client that does not read stops the provider's writes. Each test
 * waits (bounded) for the provider to stall, so it may take more than the default 5 s to fail.
 */
describe('backpressure (workerd)', () => {
  it('a client that never reads: the upstream is not read to the end into memory; cancelling releases it', async () => {
    const id = uniqueId('rel-never-reads');
    const model = local({ id, ...TEN_MIB });
    const res = await callGateway({ body: chat(model, { stream: true }) });
    expect(res.status).toBe(200);
    // The provider writes as much as it can while nobody reads, until its socket holds it back:
    // half a second waiting for 'drain' with nothing written, i.e. stalled, not merely slow.
    const stall = await untilStalled(id, { quietMs: 500, withinMs: 10_000 });
    expect(stall.stalled).toBe(true);
    expect(stall.bytesWritten).toBeGreaterThan(0);
    expect(stall.bytesWritten).toBeLessThan(TOTAL / 2);
    expect(stall.completed).toBe(0);

    await (res.body as ReadableStream<Uint8Array>).cancel();
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    const record = await recordFor(model);
    expect(record).toMatchObject({ status: 200, outcome: 'client_cancelled' });
  }, 30_000);

  it('a client that reads a little at a time: the provider is only ever a bounded distance ahead', async () => {
    const id = uniqueId('rel-slow-reader');
    const model = local({ id, ...TEN_MIB });
    const res = await callGateway({ body: chat(model, { stream: true }) });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let read = 0;
    let maxLead = 0;
    // 10 reads, each of at most one relay chunk; after each the provider runs ahead as far as it
    // can, until its socket holds it back again, and its lead is measured there, at its largest.
    for (let i = 0; i < 10; i++) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      read += value?.byteLength ?? 0;
      const stall = await untilStalled(id, { quietMs: 150, withinMs: 10_000 });
      expect(stall.stalled).toBe(true);
      maxLead = Math.max(maxLead, stall.bytesWritten - read);
    }
    expect(read).toBeLessThan(TOTAL / 4);
    expect(maxLead).toBeLessThan(TOTAL / 2);
    await reader.cancel();
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    expect((await recordFor(model)).outcome).toBe('client_cancelled');
  }, 30_000);
});
