// Blocks of streams on one path, timed and CPU-accounted, and the ABBA schedule over both paths.

import { expectedText, parseScenario } from '../../test/fake-provider/scenario.ts';
import { runPool, sessionTurnOnce, streamOnce } from './client.mjs';
import { processCpuMs, rssKiB } from './procs.mjs';
import { summarize } from './stats.mjs';

/** Every failed stream, warm-up and ramp included: any of them makes the run fail. */
export class ErrorLog {
  count = 0;
  samples = [];
  /** Failures per path (the last word of `where`). */
  byPath = {};
  note(where, results) {
    const path = where.split(' ').at(-1);
    for (const r of results) {
      if (r.ok) continue;
      this.count++;
      this.byPath[path] = (this.byPath[path] ?? 0) + 1;
      if (this.samples.length < 20) this.samples.push({ where, status: r.status, events: r.events, error: r.error });
    }
  }
}

/** One block of streams on one path, with the CPU each process spent meanwhile. */
export async function block(ctx, path, { model, count, concurrency, ramp, spreadMs, label, expected }) {
  const target = ctx.targets[path];
  // An alias names no scenario: its caller says what the reply must be.
  expected ??= expectedText(parseScenario(model).scenario);
  // The process serving this path: workerd unless the target names another (the peer gateway).
  const serverPid = target.pid ?? ctx.workerd.pid;
  const cpu0 = { workerd: processCpuMs(serverPid), fake: processCpuMs(ctx.fake.pid), client: process.cpuUsage() };
  const t0 = performance.now();
  const { measured, ramp: rampResults } = await runPool({
    count,
    concurrency,
    ramp,
    spreadMs,
    signal: ctx.signal,
    one: () =>
      (target.session ? sessionTurnOnce : streamOnce)({
        url: target.url,
        agent: target.agent,
        model: target.modelFor?.() ?? target.prefix + model,
        expectedText: expected,
        signal: ctx.signal,
        timeoutMs: ctx.streamTimeoutMs,
        headers: target.headers,
        extraBody: target.extraBody?.(model),
      }),
  });
  const wallMs = performance.now() - t0;
  const client = process.cpuUsage(cpu0.client);
  ctx.errors.note(`${label} ${path}`, [...measured, ...rampResults]);
  return {
    measured,
    ramp: rampResults,
    wallMs,
    events: [...measured, ...rampResults].reduce((a, r) => a + r.events, 0),
    workerdCpuMs: processCpuMs(serverPid) - cpu0.workerd,
    fakeCpuMs: processCpuMs(ctx.fake.pid) - cpu0.fake,
    clientCpuMs: (client.user + client.system) / 1000,
    rssKiBAfter: rssKiB(serverPid),
  };
}

/**
 * ABBA for any number of paths: `rounds` rounds, each running one block per path, in the given
 * order on even rounds and reversed on odd ones, so drift over the run hits every path alike.
 */
export async function rotate(ctx, paths, spec) {
  const perRound = Math.ceil(spec.count / spec.rounds);
  const blocks = Object.fromEntries(paths.map((p) => [p, []]));
  for (let i = 0; i < spec.rounds; i++) {
    const order = i % 2 === 0 ? paths : [...paths].reverse();
    for (const path of order) {
      const count = Math.min(perRound, spec.count - blocks[path].reduce((a, b) => a + b.measured.length, 0));
      if (count > 0 && !ctx.signal.aborted) blocks[path].push(await block(ctx, path, { ...spec, count }));
    }
  }
  return Object.fromEntries(paths.map((p) => [p, mergeBlocks(blocks[p])]));
}

/** One path's blocks as one sample: streams, TTFT samples, and CPU over events. */
export function mergeBlocks(bs) {
  const measured = bs.flatMap((b) => b.measured);
  const sum = (k) => bs.reduce((a, b) => a + b[k], 0);
  const events = sum('events');
  return {
    streams: measured.length,
    errors: measured.filter((r) => !r.ok).length + bs.flatMap((b) => b.ramp).filter((r) => !r.ok).length,
    rampStreams: bs.reduce((a, b) => a + b.ramp.length, 0),
    ttftSamples: measured.filter((r) => r.ok).map((r) => r.ttftMs),
    interTokenMs: summarize(measured.filter((r) => r.ok).flatMap((r) => r.gapsMs)),
    rssMiBAfter: Math.max(...bs.map((b) => b.rssKiBAfter)) / 1024,
    headersMs: summarize(measured.filter((r) => r.ok).map((r) => r.headersMs)),
    // How long a whole stream took: when the gateway cannot keep up, this stretches past the scenario's own length.
    streamMs: summarize(measured.filter((r) => r.ok).map((r) => r.totalMs)),
    events,
    wallS: sum('wallMs') / 1000,
    eventsPerS: events / (sum('wallMs') / 1000),
    workerdCpuMs: sum('workerdCpuMs'),
    workerdCpuUsPerEvent: (sum('workerdCpuMs') * 1000) / events,
    workerdCpuMsPerStream: sum('workerdCpuMs') / (measured.length + bs.reduce((a, b) => a + b.ramp.length, 0)),
    // workerd runs the isolate on one thread: near 100% means the Worker, not the network, sets the pace.
    workerdCpuPercent: (100 * sum('workerdCpuMs')) / sum('wallMs'),
    fakeCpuMs: sum('fakeCpuMs'),
    clientCpuMs: sum('clientCpuMs'),
  };
}
