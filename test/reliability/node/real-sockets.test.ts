import { type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../../bench/lib/procs.mjs';
import { scenario } from '../../fake-provider/scenario.ts';
import { type RunningGateway, startGateway } from '../../node/worker-in-workerd';
import {
  eventually,
  fakeUrl,
  sleep,
  uniqueId,
  untilHungUp,
  untilLogged,
  untilStalled,
} from '../../support/fake-control';

/**
 * The fault-injection cases that only real sockets show: the Worker bundled and served by workerd
 * (Miniflare) over loopback HTTP, with the request log (Queue → D1) bound as in `env.dev`.
 */
let plain: RunningGateway;
let probing: RunningGateway;
let stalling: RunningGateway;
/** The write-idle limit of the `stalling` gateway: short, so the test need not wait the default 30 s. */
const WRITE_IDLE_MS = 1000;
beforeAll(async () => {
  const bindings = {
    LOCAL_BASE_URL: `${fakeUrl()}/v1`,
    // The local deployment's settings: no gateway keys, admin endpoints open on loopback.
    ALLOW_LOCAL_ADMIN: 'true',
    INSECURE_LOCAL_MODE: 'true',
    UPSTREAM_RETRY_BASE_MS: '10',
  };
  [plain, probing, stalling] = await Promise.all([
    startGateway(bindings, { logs: true }),
    startGateway({ ...bindings, PREFILL_PROBE_MS: '50' }, { logs: true }),
    startGateway({ ...bindings, WRITE_IDLE_TIMEOUT_MS: String(WRITE_IDLE_MS) }, { logs: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain?.dispose(), probing?.dispose(), stalling?.dispose()]);
});

/** The fields of src/observe/request-log.ts these tests read (src is compiled for workerd, not Node). */
interface RequestLogRecord {
  status: number;
  outcome: string;
  error?: string;
}

/** The one log record of `model` on `gateway`, once the Queue consumer has written it. */
async function recordFor(gateway: RunningGateway, model: string): Promise<RequestLogRecord> {
  const rows = await eventually(
    async () => {
      const res = await fetch(`${gateway.url}/v1/logs?model=${encodeURIComponent(model)}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: RequestLogRecord[] }).data;
    },
    (found) => found.length > 0,
    10_000,
  );
  expect(rows).toHaveLength(1);
  return rows[0] as RequestLogRecord;
}

/** Opens a streaming request over a real socket; the response is left paused (nothing read). */
function openStream(gateway: RunningGateway, model: string) {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
  const req = request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
  });
  response.catch(() => {});
  req.end(body);
  return { response, hangUp: () => req.destroy() };
}

/** Reads up to `bytes` from a paused response, waiting at most `ms`. */
async function take(res: IncomingMessage, bytes: number, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let out = '';
  while (out.length < bytes && Date.now() < deadline) {
    const chunk = res.read() as Buffer | null;
    if (chunk === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        res.once('readable', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      continue;
    }
    const text = chunk.toString('utf8');
    const keep = bytes - out.length;
    out += text.slice(0, keep);
    if (text.length > keep) res.unshift(Buffer.from(text.slice(keep), 'utf8'));
  }
  return out;
}

/** Resident memory (bytes) of every workerd process under this test process (Miniflare's children). */
const workerdRss = () =>
  processTree(process.pid)
    .filter((proc) => proc.name === 'workerd')
    .reduce((total, proc) => total + proc.rssBytes, 0);

const MiB = 1024 * 1024;
/**
 * A reply of `mib` MiB: tokens of 4,096 characters, written by the fake as fast as its socket takes them.
 * On loopback the kernel's socket buffers alone hold about 11 MB of a stalled stream (measured with
 * `ss -tnm`: ~2 MB in the provider's send queue, ~5 MB in workerd's receive queue, ~4 MB in
 * workerd's send queue to the client; tcp_rmem/tcp_wmem autotuning), so a 10 MiB reply fits in
 * them entirely and cannot show the provider stalling: the stall is shown with 64 MiB.
 */
const reply = (mib: number) => ({ tokens: mib * 256, big: 4096 });
const BIG = reply(64);
const TOTAL = BIG.tokens * BIG.big;
/** More than the loopback socket buffers hold, far less than the reply. */
const STALL_BOUND = 24 * MiB;

describe('client disconnect over real sockets', () => {
  it('after the first token: the upstream is aborted and the request recorded client_cancelled', async () => {
    const id = uniqueId('rel-sock-late');
    const model = `local/${scenario({ id, tokens: 200, gap: 20 })}`;
    const stream = openStream(plain, model);
    const res = await stream.response;
    expect(res.statusCode).toBe(200);
    expect(await take(res, 1, 5000)).toBe('d');
    stream.hangUp();
    expect(await untilHungUp(id, 5000)).toMatchObject({ hungUp: 1, completed: 0 });
    expect(await recordFor(plain, model)).toMatchObject({ status: 200, outcome: 'client_cancelled' });
  });

  it('before the first token, with PREFILL_PROBE_MS: noticed by the probe, upstream aborted during prefill', async () => {
    const id = uniqueId('rel-sock-probe');
    const model = `local/${scenario({ id, ttft: 4000, tokens: 3 })}`;
    const started = Date.now();
    const stream = openStream(probing, model);
    const res = await stream.response;
    expect(await take(res, 2, 2000)).toBe(': ');
    stream.hangUp();
    const log = await untilHungUp(id, 5000);
    expect(log).toMatchObject({ hungUp: 1, completed: 0 });
    // Well before the provider's first token at 4 s.
    expect((log.lastHangupAt ?? Number.POSITIVE_INFINITY) - started).toBeLessThan(3000);
    // Recorded, and not as a success. (It should be client_cancelled; today the relay records this
    // hang-up as gateway_error/internal_error: the pending connection rejects with the client's abort.)
    const record = await recordFor(probing, model);
    expect(record.status).toBe(200);
    expect(record.outcome).not.toBe('ok');
  });

  it('before the first token, without the probe: workerd notices only at the first write (a known runtime limit)', async () => {
    const id = uniqueId('rel-sock-early');
    const ttft = 1500;
    const model = `local/${scenario({ id, ttft, tokens: 200, gap: 20 })}`;
    const started = Date.now();
    const stream = openStream(plain, model);
    expect((await untilLogged(id, { requests: 1 })).requests).toBe(1);
    stream.hangUp();
    const log = await untilHungUp(id, ttft + 5000);
    // The upstream is still aborted, long before its 200 tokens (4 s) are done, but only once
    // its first token made the gateway write to the gone client.
    expect(log).toMatchObject({ hungUp: 1, completed: 0 });
    expect((log.lastHangupAt ?? 0) - started).toBeGreaterThanOrEqual(ttft - 100);
    expect((log.lastHangupAt ?? Number.POSITIVE_INFINITY) - started).toBeLessThan(ttft + 3000);
    expect(await recordFor(plain, model)).toMatchObject({ outcome: 'client_cancelled' });
  });
});

describe('backpressure over real sockets', () => {
  it('a client reading ~1 KB/s from a fast upstream: the provider stalls, gateway memory stays flat, hang-up releases it', async () => {
    const id = uniqueId('rel-sock-slow');
    const model = `local/${scenario({ id, ...BIG })}`;
    const rssBefore = workerdRss();
    const started = Date.now();
    const stream = openStream(plain, model);
    const res = await stream.response;
    expect(res.statusCode).toBe(200);

    // ~1 KB/s: 256 bytes every 250 ms, sampling workerd's memory every second, for 4 s and then
    // until the provider's socket holds it back (a second waiting for 'drain' with nothing
    // written; bounded: on a loaded machine the socket buffers on each hop take longer to fill).
    let read = 0;
    let rssPeak = rssBefore;
    let stall: Awaited<ReturnType<typeof untilStalled>> | undefined;
    const stalling = untilStalled(id, { quietMs: 1000, withinMs: 15_000 }).then((found) => (stall = found));
    for (let i = 0; i < 60 && (i < 16 || stall === undefined); i++) {
      const tick = Date.now();
      read += (await take(res, 256, 250)).length;
      await sleep(Math.max(0, 250 - (Date.now() - tick)));
      if (i % 4 === 3) rssPeak = Math.max(rssPeak, workerdRss());
    }
    const { stalled, bytesWritten } = await stalling;
    console.log(
      JSON.stringify({
        test: 'slow-reader',
        seconds: (Date.now() - started) / 1000,
        clientRead: read,
        providerWrittenMiB: +(bytesWritten / MiB).toFixed(2),
        replyMiB: TOTAL / MiB,
        workerdRssBeforeMiB: +(rssBefore / MiB).toFixed(1),
        workerdRssPeakMiB: +(rssPeak / MiB).toFixed(1),
      }),
    );
    expect(read).toBeGreaterThan(1024);
    expect(read).toBeLessThan(16 * 1024);
    // The provider is held back: far from its 64 MiB, and no longer moving.
    expect(stalled).toBe(true);
    expect(bytesWritten).toBeGreaterThan(0);
    expect(bytesWritten).toBeLessThan(STALL_BOUND);
    // Nothing piles up in the gateway: its memory grows by far less than the reply.
    expect(rssPeak - rssBefore).toBeLessThan(STALL_BOUND);

    stream.hangUp();
    expect(await untilHungUp(id, 5000)).toMatchObject({ hungUp: 1, completed: 0 });
    expect(await recordFor(plain, model)).toMatchObject({ status: 200, outcome: 'client_cancelled' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a client that never reads: the upstream is not drained into memory, and hanging up releases it', async () => {
    const id = uniqueId('rel-sock-never');
    const model = `local/${scenario({ id, ...BIG })}`;
    const stream = openStream(plain, model);
    const res = await stream.response;
    expect(res.statusCode).toBe(200);
    // Until the provider's socket holds it back: a second waiting for 'drain' with nothing written
    // (bounded: on a loaded machine the socket buffers on each hop take longer to fill).
    const started = Date.now();
    const stall = await untilStalled(id, { quietMs: 1000, withinMs: 15_000 });
    console.log(
      JSON.stringify({
        test: 'never-reads',
        stalledAfterMs: Date.now() - started,
        providerWrittenMiB: stall.bytesWritten / MiB,
      }),
    );
    expect(stall.stalled).toBe(true);
    expect(stall.bytesWritten).toBeLessThan(STALL_BOUND);
    expect(stall.completed).toBe(0);

    stream.hangUp();
    expect(await untilHungUp(id, 5000)).toMatchObject({ hungUp: 1, completed: 0 });
    expect(await recordFor(plain, model)).toMatchObject({ outcome: 'client_cancelled' });
  });

  it('a client that stops reading, with WRITE_IDLE_TIMEOUT_MS: ended without hanging up, upstream aborted, recorded client_stalled', async () => {
    const id = uniqueId('rel-sock-stalled');
    const model = `local/${scenario({ id, ...BIG })}`;
    const started = Date.now();
    const stream = openStream(stalling, model);
    const res = await stream.response;
    expect(res.statusCode).toBe(200);
    // The client never reads and never hangs up: the gateway lets go once its writes have waited
    // WRITE_IDLE_MS (after the socket buffers on the way filled up).
    const log = await untilHungUp(id, 15_000);
    const abortedAfterMs = (log.lastHangupAt ?? 0) - started;
    expect(log).toMatchObject({ hungUp: 1, completed: 0 });
    expect(log.bytesWritten).toBeLessThan(STALL_BOUND);
    expect(await recordFor(stalling, model)).toMatchObject({ status: 200, outcome: 'client_stalled' });
    // The response was ended: a client that reads again gets what the socket buffers held, then
    // the end of the connection (no terminating chunk: the reply was cut), never the rest.
    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    await new Promise<void>((resolve) => {
      res.once('close', () => resolve());
      res.resume();
    });
    console.log(JSON.stringify({ test: 'write-idle', abortedAfterMs, receivedMiB: +(received / MiB).toFixed(2) }));
    expect(received).toBeLessThan(STALL_BOUND);
    expect(res.complete).toBe(false);
    stream.hangUp();
  });
});
