// `npm run bench`: time-to-first-token the gateway adds over a direct connection to the same fake
// provider, and the CPU the Worker spends per relayed chunk, with the Worker built by
// `wrangler deploy --dry-run` and served by bare workerd (no wrangler dev, no inspector proxy).
//
//   npm run bench                      200 streams per path at concurrency 1 and 50, plus long replies
//   npm run bench -- --quick           smoke run (40 streams, smaller long-reply run)
//   npm run bench -- --streams 500 --tokens 20 --gap 5 --budget 300
//
// Everything listens on 127.0.0.1. Results: a table on stdout, JSON in bench/results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scenario } from '../test/fake-provider/scenario.ts';
import { keepAliveAgent } from './lib/client.mjs';
import { PIPELINES } from './lib/pipelines.mjs';
import * as procs from './lib/procs.mjs';
import { incompleteReason, longReplyBlocks, runBudget, runFacts } from './lib/run.mjs';
import { abba, block, ErrorLog } from './lib/runner.mjs';
import { summarize, throughputTable, ttftTable } from './lib/stats.mjs';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    streams: { type: 'string' },
    tokens: { type: 'string', default: '20' },
    gap: { type: 'string', default: '5' },
    budget: { type: 'string', default: '120' },
    keep: { type: 'boolean', default: false },
    pipeline: { type: 'string', default: 'passthrough' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: npm run bench -- [--quick] [--streams N] [--tokens N] [--gap MS] [--budget SECONDS] [--keep] [--pipeline passthrough|guard]',
  );
  process.exit(0);
}
const int = (name, v, min = 1) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got ${v})`);
  return n;
};

const STREAMS = opts.streams !== undefined ? int('streams', opts.streams) : opts.quick ? 40 : 200;
const CONFIG = {
  streams: STREAMS,
  // gap=5 is 200 tokens/s per stream, a fast real model; 50 of them make 10k events/s through one isolate.
  ttftScenario: { tokens: int('tokens', opts.tokens), gap: int('gap', opts.gap, 0) },
  ttftConcurrency: [1, 50],
  throughputScenario: { tokens: 2000, gap: 0 },
  throughput: longReplyBlocks(opts.quick),
  warmup: 20,
  // ABBA order (direct, gateway, gateway, direct, ...) so drift over the run hits both paths alike.
  rounds: opts.quick ? 2 : 4,
  streamTimeoutMs: 30_000,
  budgetS: int('budget', opts.budget),
  wranglerEnv: 'dev',
};
if (!(opts.pipeline in PIPELINES)) throw new Error(`--pipeline must be one of ${Object.keys(PIPELINES).join(', ')}`);
const GATEWAY_CONFIG = PIPELINES[opts.pipeline];
const BINDINGS_OVERRIDE = {
  FIRST_BYTE_TIMEOUT_MS: '30000',
  STREAM_IDLE_TIMEOUT_MS: '30000',
  ...(GATEWAY_CONFIG && { GATEWAY_CONFIG: JSON.stringify(GATEWAY_CONFIG) }),
};

const { budget, timer: budgetTimer } = runBudget(CONFIG.budgetS);

const log = (msg) => console.error(`[bench] ${msg}`);
const errors = new ErrorLog();

async function warmUp(ctx, model, concurrency) {
  for (const path of ['direct', 'gateway']) {
    // At least `concurrency` requests at that concurrency, so both keep-alive pools (and workerd's
    // outbound pool) already hold enough open sockets before anything is measured.
    await block(ctx, path, {
      model,
      count: Math.max(CONFIG.warmup, concurrency),
      concurrency,
      ramp: false,
      spreadMs: 0,
      label: `warm-up c=${concurrency}`,
    });
  }
}

async function ttftPhase(ctx, concurrency) {
  const model = scenario(CONFIG.ttftScenario);
  log(`TTFT: ${CONFIG.streams} streams per path at concurrency ${concurrency}, model "${model}"`);
  await warmUp(ctx, model, concurrency);
  const streamMs = (CONFIG.ttftScenario.tokens - 1) * CONFIG.ttftScenario.gap;
  const r = await abba(ctx, {
    model,
    count: CONFIG.streams,
    concurrency,
    ramp: concurrency > 1,
    spreadMs: streamMs,
    rounds: CONFIG.rounds,
    label: `ttft c=${concurrency}`,
  });
  const out = { concurrency, model };
  for (const path of ['direct', 'gateway']) {
    const { ttftSamples, ...rest } = r[path];
    out[path] = {
      ...rest,
      ttft: summarize(ttftSamples),
      ttftSamples: ttftSamples.map((v) => Math.round(v * 1000) / 1000),
    };
  }
  // Difference of the quantiles, not a quantile of differences: the two paths' streams are not paired.
  out.added = { p50: out.gateway.ttft.p50 - out.direct.ttft.p50, p99: out.gateway.ttft.p99 - out.direct.ttft.p99 };
  return out;
}

async function throughputPhase(ctx, { concurrency, streams }) {
  const model = scenario(CONFIG.throughputScenario);
  log(`long replies: ${streams} streams per path at concurrency ${concurrency}, model "${model}"`);
  const r = await abba(ctx, {
    model,
    count: streams,
    concurrency,
    ramp: false,
    spreadMs: 0,
    rounds: 2,
    label: `long c=${concurrency}`,
  });
  for (const path of ['direct', 'gateway']) delete r[path].ttftSamples;
  return { concurrency, model, ...r };
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'infe-bench-'));
  const stops = [];
  let failed = false;
  try {
    log(`building the Worker (wrangler deploy --dry-run --env ${CONFIG.wranglerEnv}) into ${dir}`);
    const bundleName = await procs.buildWorker(dir, CONFIG.wranglerEnv);
    const settings = procs.wranglerSettings(CONFIG.wranglerEnv);

    const fake = await procs.startFakeProvider(dir);
    stops.push(() => fake.stop());
    const port = await procs.freePort();
    const bindings = { ...settings.vars, ...BINDINGS_OVERRIDE, LOCAL_BASE_URL: `${fake.url}/v1` };
    const config = procs.workerdConfig({
      bundleName,
      port,
      compatibilityDate: settings.compatibilityDate,
      compatibilityFlags: settings.compatibilityFlags,
      bindings,
    });
    const workerd = await procs.startWorkerd(dir, config, port);
    stops.push(() => workerd.stop());
    log(`fake provider ${fake.url} (pid ${fake.pid}); workerd ${workerd.url} (pid ${workerd.pid})`);

    const ctx = {
      signal: budget.signal,
      streamTimeoutMs: CONFIG.streamTimeoutMs,
      errors,
      fake,
      workerd,
      targets: {
        direct: { url: fake.url, agent: keepAliveAgent(), prefix: '' },
        // The gateway's `local` provider forwards the model after the prefix verbatim to LOCAL_BASE_URL.
        gateway: { url: workerd.url, agent: keepAliveAgent(), prefix: 'local/' },
      },
    };
    stops.push(async () => {
      for (const t of Object.values(ctx.targets)) t.agent.destroy();
    });

    const startedAt = new Date();
    const loadBefore = os.loadavg();
    const ttft = [];
    for (const c of CONFIG.ttftConcurrency) if (!budget.signal.aborted) ttft.push(await ttftPhase(ctx, c));
    const throughput = [];
    for (const t of CONFIG.throughput) if (!budget.signal.aborted) throughput.push(await throughputPhase(ctx, t));

    const workerdExit = workerd.exited();
    await workerd.stop();
    const wlog = procs.workerdLogSummary(workerd.log());
    const incomplete = incompleteReason(budget.signal);
    failed = errors.count > 0 || incomplete !== null || workerdExit !== null;

    const result = {
      ...runFacts({ startedAt, loadBefore, settings }),
      config: CONFIG,
      ttft,
      throughput,
      errors: { count: errors.count, samples: errors.samples },
      incomplete,
      workerdExitedEarly: workerdExit,
      workerdLog: wlog,
    };

    console.log(
      `\nInfe gateway vs direct, bare workerd (${result.workerd}), ${result.revision}, ${os.cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log(
      `TTFT scenario "${scenario(CONFIG.ttftScenario)}": send → first non-empty delta.content, ms; added = gateway − direct (difference of percentiles).`,
    );
    console.log(
      'n, errors and stream ms are gateway/direct; workerd CPU is its share of one core during the gateway blocks, and per gateway stream.\n',
    );
    console.log(ttftTable(ttft));
    console.log(
      `\nLong replies "${scenario(CONFIG.throughputScenario)}": events delivered per wall second; workerd CPU from /proc (10 ms ticks) over events relayed\n`,
    );
    console.log(throughputTable(throughput));
    console.log(`\nworkerd request log outcomes: ${JSON.stringify(wlog.outcomes)}`);
    if (wlog.otherLines.length) console.log(`workerd other output:\n  ${wlog.otherLines.join('\n  ')}`);
    if (errors.count)
      console.log(
        `\n${errors.count} stream(s) failed, first ones:\n${errors.samples.map((e) => `  ${e.where}: ${e.error}`).join('\n')}`,
      );
    if (incomplete) console.log(`\nINCOMPLETE: ${incomplete}`);
    if (workerdExit)
      console.log(`\nworkerd exited during the run: ${JSON.stringify(workerdExit)}\n${workerd.log().slice(-3000)}`);

    const resultsDir = new URL('./results/', import.meta.url).pathname;
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `ttft-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nresults: ${file}`);
  } catch (err) {
    failed = true;
    console.error(`[bench] failed: ${err?.stack ?? err}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e) => console.error(`[bench] cleanup: ${e}`));
    clearTimeout(budgetTimer);
    // Keep the build, config and process logs when something went wrong: they are the evidence.
    if (failed || opts.keep)
      console.error(
        `[bench] kept ${dir} for inspection (build, config.capnp, workerd.log, fake-provider.log as far as it got)`,
      );
    else rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
