// The slow consumer: clients reading a huge reply at about 1 KB/s. A relay that keeps
// backpressure holds a bounded amount (socket buffers plus a chunk or two) and the provider stops
// writing; one that does not reads the provider at full speed into memory. Reported: the serving
// process's RSS before, at its peak during, and after; and how far ahead of the reader the
// provider got (its bytes written for the stream, from the fake's control log).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssKiB } from './procs.mjs';

/** One request read at `bytesPerS` for `durationMs`, then dropped. Resolves, never rejects. */
function slowRead({ url, model, headers, extraBody, bytesPerS, durationMs, signal }) {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }], ...extraBody });
  return new Promise((resolve) => {
    const out = { status: 0, bytesRead: 0, error: null };
    let timer;
    let ticker;
    const done = (error) => {
      clearTimeout(timer);
      clearInterval(ticker);
      if (error && !out.error) out.error = error;
      req.destroy();
      resolve(out);
    };
    // No keep-alive agent: dropping the request must close its connection, as a client would.
    const req = http.request(new URL('/v1/chat/completions', url), {
      method: 'POST',
      agent: false,
      signal,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', (err) => done(err.name === 'AbortError' ? null : `request error: ${err.code ?? err.message}`));
    req.on('response', (res) => {
      out.status = res.statusCode;
      if (res.statusCode !== 200) return done(`HTTP ${res.statusCode}`);
      res.pause();
      let allowance = 0;
      // Paused: res.read(n) takes only what the budget allows; Node stops reading the socket once
      // its buffer is full, so TCP backpressure reaches the server.
      ticker = setInterval(() => {
        allowance += bytesPerS / 10;
        while (allowance >= 1) {
          const available = res.readableLength;
          if (available === 0) {
            res.read(0);
            break;
          }
          const chunk = res.read(Math.min(Math.floor(allowance), available));
          if (!chunk) break;
          out.bytesRead += chunk.length;
          allowance -= chunk.length;
        }
      }, 100);
      res.on('end', () => done('the reply ended: it is too short for a slow-consumer test'));
      res.on('error', () => {});
    });
    timer = setTimeout(() => done(null), durationMs);
    req.end(body);
  });
}

/**
 * `streams` slow readers on one path; `serverPid` is the process that should stay bounded.
 * Each stream has its own scenario id, so the fake's log says how much it wrote for it.
 */
export async function slowConsumer(ctx, path, { streams, bytesPerS, durationMs, settleMs, scenarioFor }) {
  const target = ctx.targets[path];
  const serverPid = target.rssPid ?? target.pid ?? ctx.workerd.pid;
  const ids = Array.from({ length: streams }, (_, i) => `slow-${path}-${i}-${Date.now()}`);
  const before = rssKiB(serverPid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKiB(serverPid));
  }, 100);
  const providerLog = (id) => fetch(`${ctx.fake.url}/_control/log/${id}`).then((r) => r.json());
  const providerBytes = async () => (await Promise.all(ids.map(providerLog))).map((l) => l.bytesWritten ?? Number.NaN);
  const reads = Promise.all(
    ids.map((id) =>
      slowRead({
        url: target.url,
        model: target.prefix + scenarioFor(id),
        headers: target.headers,
        extraBody: target.extraBody?.(''),
        bytesPerS,
        durationMs,
        signal: ctx.signal,
      }),
    ),
  );
  // Halfway and near the end: a relay with backpressure has stopped the provider by halfway
  // (socket buffers full), so the two agree; one without keeps reading.
  await sleep(durationMs / 2);
  const mid = await providerBytes();
  await sleep(durationMs / 2 - 300);
  const end = await providerBytes();
  const results = await reads;
  peak = Math.max(peak, rssKiB(serverPid));
  // The provider should see every stream hung up shortly after the clients left.
  const logs = [];
  const deadline = Date.now() + settleMs;
  for (const id of ids) {
    let log;
    do {
      log = await providerLog(id);
      if (log.hungUp > 0 || log.completed > 0) break;
      await sleep(50);
    } while (Date.now() < deadline);
    logs.push(log);
  }
  await sleep(Math.max(0, deadline - Date.now()));
  clearInterval(sampler);
  const after = rssKiB(serverPid);
  const errors = results.filter((r) => r.error).map((r) => r.error);
  ctx.errors.note(
    `slow consumer ${path}`,
    results.map((r) => ({ ok: !r.error, status: r.status, events: 0, error: r.error })),
  );
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    streams,
    bytesPerS,
    durationMs,
    rssKiB: { before, peak, after },
    clientBytesRead: mean(results.map((r) => r.bytesRead)),
    providerBytesMid: mean(mid),
    providerBytesEnd: mean(end),
    providerBytesWritten: mean(logs.map((l) => l.bytesWritten ?? Number.NaN)),
    providerHungUp: logs.filter((l) => l.hungUp > 0).length,
    providerCompleted: logs.filter((l) => l.completed > 0).length,
    errors: errors.length,
  };
}
