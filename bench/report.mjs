// `npm run bench:report`: every way a stream can reach the client, measured in one interleaved run
// against the same fake provider, written up as a Markdown report with an SVG chart.
//
//   direct          client → fake provider
//   floor-identity  a trivial Worker: upstream body through a native IdentityTransformStream
//   floor-js        a trivial Worker: upstream body through one JS TransformStream
//   floor-pump      a trivial Worker shaped like the relay: JS reads each chunk, writes it to a native stream
//   passthrough     the gateway, no inline stage (decode, observe, encode)
//   cache-hit       the passthrough gateway with the response cache on: after the warm-up every
//                   request of a block is a hit, replayed from its key's ResponseCacheDO
//   cache-miss      the same, but every request differs (its `user` field): each one a miss,
//                   read from the provider by its key's ResponseCacheDO: what the cache costs
//   full            the gateway with guard (every detector, 20 phrases) and, for JSON replies, structured
//   session         a turn of a session: through its SessionDO (no stage), which also keeps the
//                   history and tees the events to its replay log in SQLite; sessions are reused
//                   across turns as clients would (one per concurrent client)
//   peer            Portkey's gateway (optional: INFE_PEER=<npm prefix> or --peer, see bench/lib/peer.mjs)
//
// Scenarios: TTFT at 1, 50 and 200 concurrent streams; long replies at zero delay (events/s, CPU
// per event); a slow consumer (RSS must stay bounded); bundle size; per-stage µs/event in process.
//
//   npm run bench:report                       the full run (about 3 minutes)
//   npm run bench:report -- --quick            smoke run
//   npm run bench [-- --quick]                 = --ttft: the TTFT the gateway adds over direct (passthrough
//                                              at 1 and 50 streams) and long replies, nothing else;
//                                              `--modes direct,full` measures the full pipeline instead
//   npm run bench:report -- --publish          also write bench/REPORT.md and bench/REPORT.svg
//   npm run bench:report -- --modes direct,floor-identity,full --budget 300 --keep
//   npm run bench:report -- --render bench/results/<run>   re-render a run's report from its result.json
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contentUnits, expectedText, parseScenario, scenario } from '../test/fake-provider/scenario.ts';
import { bundleSizes } from './lib/bundle.mjs';
import { renderChart } from './lib/chart.mjs';
import { keepAliveAgent } from './lib/client.mjs';
import { jsonScenario, STRUCTURED_REQUEST, wordScenario } from './lib/content.mjs';
import { stageMicrobench } from './lib/microbench.mjs';
import { findPeer, peerHeaders, startPeer } from './lib/peer.mjs';
import { PIPELINES } from './lib/pipelines.mjs';
import * as procs from './lib/procs.mjs';
import { renderReport } from './lib/report-md.mjs';
import { incompleteReason, longReplyBlocks, runBudget, runFacts } from './lib/run.mjs';
import { block, ErrorLog, rotate } from './lib/runner.mjs';
import { slowConsumer } from './lib/slow.mjs';
import { summarize } from './lib/stats.mjs';
import { guardHolds, pumpReads } from './lib/workerd-log.mjs';
import { multiWorkerdConfig, writeFloorWorker } from './lib/workers.mjs';

const ALL_MODES = [
  'direct',
  'floor-identity',
  'floor-js',
  'floor-pump',
  'passthrough',
  'cache-hit',
  'cache-miss',
  'full',
  'session',
  'peer',
];
const GATEWAY_PIPELINE = {
  passthrough: 'passthrough',
  'cache-hit': 'passthrough',
  'cache-miss': 'passthrough',
  full: 'full',
  session: 'passthrough',
};
const CACHED_MODES = ['cache-hit', 'cache-miss'];
/** Every request of the cache modes is cacheable; shared across keys (the bench sends none). */
const CACHE_CONFIG = { cache: { ttl_s: 3600, scope: 'gateway' } };
const DURABLE_OBJECTS = {
  session: { SESSIONS: 'SessionDO' },
  'cache-hit': { RESPONSE_CACHE: 'ResponseCacheDO' },
  'cache-miss': { RESPONSE_CACHE: 'ResponseCacheDO' },
};
const FLOORS = {
  'floor-identity': 'identity',
  'floor-js': 'js',
  'floor-body': 'body',
  'floor-pump': 'pump',
  'floor-pump-overlap': 'pump-overlap',
};

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    ttft: { type: 'boolean', default: false },
    modes: { type: 'string' },
    peer: { type: 'string' },
    budget: { type: 'string' },
    publish: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'skip-micro': { type: 'boolean', default: false },
    render: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(
    'usage: npm run bench:report -- [--quick] [--ttft] [--modes a,b,...] [--peer DIR] [--budget SECONDS] [--publish] [--keep] [--skip-micro] [--render RUN_DIR]',
  );
  console.log(`modes: ${[...ALL_MODES, 'floor-body', 'floor-pump-overlap'].join(', ')}`);
  process.exit(0);
}

if (opts.ttft && opts.publish) {
  console.error('--publish needs the full run: bench/REPORT.md is every mode and scenario, --ttft is two of them');
  process.exit(2);
}
const Q = opts.quick;
/** `npm run bench`: only the TTFT blocks at 1 and 50 streams and the long text replies. */
const TTFT_ONLY = opts.ttft;
const CONFIG = {
  // gap=5 is 200 tokens/s per stream, a fast real model; 50 of them make 10k events/s through one isolate.
  ttft: [
    { concurrency: 1, streams: Q ? 16 : 40, rounds: Q ? 2 : 4, gap: 5 },
    { concurrency: 50, streams: Q ? 100 : 300, rounds: Q ? 2 : 6, gap: 5 },
    // gap=20 keeps the aggregate at 10k events/s as at 50 streams: at gap=10 (20k events/s) the client,
    // the fake and workerd together saturate a 2-core machine and the run measures the machine.
    { concurrency: 200, streams: Q ? 200 : 400, rounds: 4, gap: 20 },
    // Real tokenization (leading-space words): does a stage hold a word until the next one arrives?
    { concurrency: 1, streams: Q ? 8 : 20, rounds: Q ? 2 : 4, gap: 10, reply: 'words' },
  ].filter((spec) => !TTFT_ONLY || (spec.concurrency <= 50 && spec.reply === undefined)),
  // A ~75-character JSON reply, 4 characters an event: ~20 events, the full mode checks it against a schema.
  ttftReply: { chars: 80, unit: 4 },
  throughput: longReplyBlocks(Q),
  longTokens: 2000,
  // The structured stage needs JSON: a ~1,500-character reply, 3 characters an event (~500 events).
  longJson: { chars: 1500, unit: 3, concurrency: 10, streams: Q ? 10 : 20 },
  slow: { streams: 8, bytesPerS: 1024, durationMs: Q ? 3000 : 4000, settleMs: 1500, tokens: 20000, big: 1000 },
  // Two targets of one provider whose TTFT has a slow tail (5% of requests wait 600 ms more);
  // the hedged alias starts the second target when the first has no token after 150 ms. Both
  // legs are slow for 0.25% of requests, so the hedged p99 is not a coin toss at 400 samples.
  hedge: {
    leg: { ttft: 60, tail_ms: 600, tail_pct: 5, tokens: 10, gap: 5 },
    afterMs: 150,
    concurrency: 4,
    streams: Q ? 100 : 400,
  },
  warmup: 10,
  streamTimeoutMs: 30_000,
  budgetS: Number(opts.budget ?? (TTFT_ONLY ? 120 : 420)),
  wranglerEnv: 'dev',
};

const log = (msg) => console.error(`[bench] ${msg}`);
const { budget, timer: budgetTimer } = runBudget(CONFIG.budgetS);

function wantedModes(peerEntry) {
  const modes = (opts.modes ?? (TTFT_ONLY ? 'direct,passthrough' : ALL_MODES.join(',')))
    .split(',')
    .map((m) => m.trim());
  for (const m of modes) if (!ALL_MODES.includes(m) && !(m in FLOORS)) throw new Error(`unknown mode "${m}"`);
  if (!modes.includes('direct')) modes.unshift('direct');
  if (modes.includes('peer') && !peerEntry) {
    log('peer mode skipped: set INFE_PEER to an npm prefix holding @portkey-ai/gateway (see bench/lib/peer.mjs)');
    return modes.filter((m) => m !== 'peer');
  }
  return modes;
}

async function startServers(dir, modes, peerEntry, stops) {
  log(`building the Worker (wrangler deploy --dry-run --env ${CONFIG.wranglerEnv}) into ${dir}`);
  const build = await procs.buildBundle(dir, CONFIG.wranglerEnv);
  const bundle = await bundleSizes(dir, build, CONFIG.wranglerEnv);
  const settings = procs.wranglerSettings(CONFIG.wranglerEnv);
  const fake = await procs.startFakeProvider(dir);
  stops.push(() => fake.stop());

  const floor = writeFloorWorker(dir);
  const storageDir = join(dir, 'do-storage');
  mkdirSync(storageDir);
  const workers = [];
  for (const mode of modes) {
    const port = await procs.freePort();
    if (mode in GATEWAY_PIPELINE) {
      const config = PIPELINES[GATEWAY_PIPELINE[mode]];
      workers.push({
        name: mode,
        port,
        module: build.name,
        bindings: {
          ...settings.vars,
          FIRST_BYTE_TIMEOUT_MS: '30000',
          STREAM_IDLE_TIMEOUT_MS: '30000',
          LOCAL_BASE_URL: `${fake.url}/v1`,
          GATEWAY_CONFIG: JSON.stringify({
            ...config,
            ...(CACHED_MODES.includes(mode) && CACHE_CONFIG),
            aliases: hedgeAliases(),
          }),
        },
        ...(mode in DURABLE_OBJECTS && { durableObjects: DURABLE_OBJECTS[mode] }),
      });
    } else if (mode in FLOORS) {
      workers.push({ name: mode, port, module: floor, bindings: { UPSTREAM: fake.url, FLOOR: FLOORS[mode] } });
    }
  }
  const configText = multiWorkerdConfig({
    workers,
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
    storageDir,
  });
  const workerd = await procs.startWorkerd(dir, configText, workers[0].port);
  stops.push(() => workerd.stop());
  for (const w of workers.slice(1)) {
    const res = await fetch(`http://127.0.0.1:${w.port}/healthz`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`worker ${w.name} answered /healthz with ${res.status}`);
  }
  let peer = null;
  if (modes.includes('peer')) {
    peer = await startPeer(dir, peerEntry);
    stops.push(() => peer.stop());
  }
  log(
    `fake ${fake.url} (pid ${fake.pid}), workerd pid ${workerd.pid}${peer ? `, peer ${peer.url} (pid ${peer.pid})` : ''}`,
  );

  const targets = {};
  const agent = () => keepAliveAgent();
  for (const mode of modes) {
    if (mode === 'direct') targets[mode] = { url: fake.url, prefix: '', pid: fake.pid };
    else if (mode === 'peer')
      targets[mode] = { url: peer.url, prefix: '', pid: peer.pid, headers: peerHeaders(fake.url) };
    else {
      const w = workers.find((x) => x.name === mode);
      targets[mode] = {
        url: `http://127.0.0.1:${w.port}`,
        prefix: mode in GATEWAY_PIPELINE ? 'local/' : '',
        session: mode === 'session',
      };
    }
    targets[mode].agent = agent();
  }
  if (targets.passthrough)
    for (const mode of ['ordered', 'hedged'])
      targets[mode] = { ...targets.passthrough, prefix: '', agent: agent(), modelFor: () => `bench-${mode}` };
  // A new `user` per request: a new cache key, so every request is a miss.
  if (targets['cache-miss']) targets['cache-miss'].extraBody = () => ({ user: `bench-${crypto.randomUUID()}` });
  // Only the full pipeline asks for structured output, and only when the reply is JSON.
  if (targets.full) targets.full.extraBody = (model) => (model.includes(';json_chars=') ? STRUCTURED_REQUEST : {});
  stops.push(async () => {
    for (const t of Object.values(targets)) t.agent.destroy();
  });
  return { bundle, settings, fake, workerd, peer, targets };
}

const WORD_MODES = ['direct', 'floor-identity', 'passthrough', 'full'];

/** Both aliases of the hedging scenario, on the passthrough Worker; the fake counts each leg by id. */
function hedgeAliases() {
  const { leg, afterMs } = CONFIG.hedge;
  const targets = (name) => ['a', 'b'].map((l) => `local/${scenario({ id: `${name}-${l}`, ...leg })}`);
  return {
    'bench-ordered': { targets: targets('ordered') },
    'bench-hedged': { targets: targets('hedged'), hedge: { after_ms: afterMs, max_parallel: 2 } },
  };
}

/**
 * TTFT with and without hedged starts against a provider with a slow tail, and what hedging
 * costs upstream: requests per client request, and losers aborted before their first token.
 */
async function hedgePhase(ctx) {
  const { leg, concurrency, streams } = CONFIG.hedge;
  const expected = expectedText(parseScenario(scenario(leg)).scenario);
  log(`hedging: ${streams} streams per mode, c=${concurrency}`);
  const modes = ['ordered', 'hedged'];
  const r = await rotate(ctx, modes, {
    model: 'an alias per mode (see targets)',
    expected,
    count: streams,
    concurrency,
    ramp: false,
    spreadMs: 0,
    rounds: 4,
    label: 'hedging',
  });
  const upstream = async (id) => {
    const res = await fetch(`${ctx.fake.url}/_control/log/${id}`);
    return res.ok ? await res.json() : { requests: 0, hungUp: 0 };
  };
  const out = { ...CONFIG.hedge, modes: {} };
  for (const mode of modes) {
    const [a, b] = [await upstream(`${mode}-a`), await upstream(`${mode}-b`)];
    const { ttftSamples, ...rest } = r[mode];
    const served = rest.streams + rest.rampStreams;
    out.modes[mode] = {
      ...rest,
      ttft: summarize(ttftSamples),
      upstreamRequests: a.requests + b.requests,
      upstreamPerRequest: (a.requests + b.requests) / served,
      abortedLegs: a.hungUp + b.hungUp,
    };
  }
  return out;
}

async function ttftPhase(ctx, allModes, spec) {
  const words = spec.reply === 'words';
  const modes = words ? allModes.filter((m) => WORD_MODES.includes(m)) : allModes;
  const model = words ? wordScenario({ gap: spec.gap }) : jsonScenario({ ...CONFIG.ttftReply, gap: spec.gap });
  log(
    `TTFT c=${spec.concurrency}: ${spec.streams} streams per mode, ${words ? 'word tokens' : 'JSON reply'}, gap ${spec.gap} ms`,
  );
  for (const mode of modes)
    await block(ctx, mode, {
      model,
      count: Math.max(CONFIG.warmup, spec.concurrency),
      concurrency: spec.concurrency,
      ramp: false,
      spreadMs: 0,
      label: `warm-up c=${spec.concurrency}`,
    });
  const events = contentUnits(parseScenario(model).scenario).length;
  const r = await rotate(ctx, modes, {
    model,
    count: spec.streams,
    concurrency: spec.concurrency,
    ramp: spec.concurrency > 1,
    spreadMs: events * spec.gap,
    rounds: spec.rounds,
    label: `ttft c=${spec.concurrency}`,
  });
  const out = { ...spec, reply: spec.reply ?? 'json', events, model, modes: {} };
  for (const mode of modes) {
    const { ttftSamples, ...rest } = r[mode];
    out.modes[mode] = { ...rest, ttft: summarize(ttftSamples) };
  }
  return out;
}

async function throughputPhase(ctx, modes, { concurrency, streams, model, label }) {
  log(`${label} c=${concurrency}: ${streams} streams per mode`);
  const r = await rotate(ctx, modes, {
    model,
    count: streams,
    concurrency,
    ramp: false,
    spreadMs: 0,
    rounds: 2,
    label,
  });
  // Rates and CPU per upstream event (role chunk + units + finish chunk): a stage that merges
  // held-back text delivers fewer, larger events, which must not count as cheaper per event.
  const perStream = contentUnits(parseScenario(model).scenario).length + 2;
  for (const m of modes) {
    delete r[m].ttftSamples;
    r[m].upstreamEvents = r[m].streams * perStream;
    r[m].upstreamPerS = r[m].upstreamEvents / r[m].wallS;
    r[m].cpuUsPerUpstream = (r[m].workerdCpuMs * 1000) / r[m].upstreamEvents;
  }
  return { label, concurrency, streams, model, upstreamPerStream: perStream, modes: r };
}

async function main() {
  const peerEntry = findPeer(opts.peer);
  const modes = wantedModes(peerEntry);
  const dir = mkdtempSync(join(os.tmpdir(), 'infe-report-'));
  const stops = [];
  const errors = new ErrorLog();
  let failed = false;
  const loads = [];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 5000);
  try {
    const started = new Date();
    const loadBefore = os.loadavg();
    const servers = await startServers(dir, modes, peerEntry, stops);
    const ctx = { signal: budget.signal, streamTimeoutMs: CONFIG.streamTimeoutMs, errors, ...servers };

    const ttft = [];
    for (const spec of CONFIG.ttft) if (!budget.signal.aborted) ttft.push(await ttftPhase(ctx, modes, spec));
    const throughput = [];
    const longText = scenario({ tokens: CONFIG.longTokens, gap: 0 });
    for (const t of CONFIG.throughput)
      if (!budget.signal.aborted)
        throughput.push(await throughputPhase(ctx, modes, { ...t, model: longText, label: 'long text' }));
    const jsonModes = TTFT_ONLY ? [] : ['passthrough', 'full'].filter((m) => modes.includes(m));
    if (jsonModes.length && !budget.signal.aborted) {
      const { chars, unit, concurrency, streams } = CONFIG.longJson;
      const model = jsonScenario({ chars, unit, gap: 0 });
      throughput.push(await throughputPhase(ctx, jsonModes, { concurrency, streams, model, label: 'long JSON' }));
    }
    const hedge = !TTFT_ONLY && modes.includes('passthrough') && !budget.signal.aborted ? await hedgePhase(ctx) : null;
    const slow = {};
    // A session viewer's backpressure is the replay log's business, not the relay's: not measured here.
    for (const mode of TTFT_ONLY ? [] : modes.filter((m) => m !== 'session')) {
      if (budget.signal.aborted) break;
      log(`slow consumer: ${mode}`);
      const { tokens, big } = CONFIG.slow;
      slow[mode] = await slowConsumer(ctx, mode, {
        ...CONFIG.slow,
        scenarioFor: (id) => scenario({ id, tokens, big }),
      });
    }

    const workerdExit = servers.workerd.exited();
    const { text: workerdText, pump } = pumpReads(servers.workerd.log());
    const wlog = { ...procs.workerdLogSummary(workerdText), pump, guardHolds: guardHolds(workerdText) };
    const peerLog =
      servers.peer
        ?.log()
        .split('\n')
        .filter((l) => /error/i.test(l))
        .slice(0, 10) ?? [];
    for (const stop of stops.splice(0).reverse()) await stop().catch((e) => log(`cleanup: ${e}`));

    let micro = null;
    if (!TTFT_ONLY && !opts['skip-micro'] && !budget.signal.aborted) {
      log('per-stage micro-benchmark (in process, Node)');
      micro = await stageMicrobench(dir);
    }

    const incomplete = incompleteReason(budget.signal);
    failed = errors.count > 0 || incomplete !== null || workerdExit !== null;
    const facts = runFacts({ startedAt: started, loadBefore, settings: servers.settings });
    const result = {
      ...facts,
      peer: servers.peer ? { entry: peerEntry, node: servers.peer.node } : null,
      machine: { ...facts.machine, load1Max: Math.max(loadBefore[0], ...loads) },
      config: CONFIG,
      modes,
      bundle: servers.bundle,
      ttft,
      throughput,
      hedge,
      slow,
      micro,
      errors: { count: errors.count, byPath: errors.byPath, samples: errors.samples },
      incomplete,
      workerdExitedEarly: workerdExit,
      workerdLog: wlog,
      peerLog,
    };
    writeOutputs(result);
  } catch (err) {
    failed = true;
    log(`failed: ${err?.stack ?? err}`);
  } finally {
    clearInterval(loadTimer);
    for (const stop of stops.reverse()) await stop().catch((e) => log(`cleanup: ${e}`));
    clearTimeout(budgetTimer);
    if (failed || opts.keep)
      log(`kept ${dir} for inspection (build, config.capnp, workerd.log, fake-provider.log, peer.log)`);
    else rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

function writeOutputs(result, runDir) {
  const resultsDir = new URL('./results/', import.meta.url).pathname;
  runDir ??= join(resultsDir, `${result.startedAt.replace(/[:.]/g, '-')}${TTFT_ONLY ? '-ttft' : ''}`);
  mkdirSync(runDir, { recursive: true });
  const svg = renderChart(result);
  writeFileSync(join(runDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(runDir, 'chart.svg'), svg);
  writeFileSync(join(runDir, 'report.md'), renderReport(result, { chart: 'chart.svg' }));
  copyFileSync(join(runDir, 'chart.svg'), join(resultsDir, 'latest.svg'));
  writeFileSync(join(resultsDir, 'latest.md'), renderReport(result, { chart: 'latest.svg' }));
  if (opts.publish) {
    const benchDir = new URL('./', import.meta.url).pathname;
    writeFileSync(join(benchDir, 'REPORT.svg'), svg);
    writeFileSync(join(benchDir, 'REPORT.md'), renderReport(result, { chart: 'REPORT.svg' }));
    // The published copy is committed: lay its tables out the way `npm run lint` (biome) wants them.
    try {
      execFileSync(join(benchDir, '../node_modules/.bin/biome'), ['format', '--write', join(benchDir, 'REPORT.md')], {
        stdio: 'ignore',
      });
    } catch {
      log('biome could not format bench/REPORT.md; run `npm run format`');
    }
  }
  console.log(renderReport(result, { chart: null, brief: true }));
  console.log(`\nreport: ${join(runDir, 'report.md')}\nlatest: ${join(resultsDir, 'latest.md')}`);
}

if (opts.render) {
  clearTimeout(budgetTimer);
  writeOutputs(JSON.parse(readFileSync(join(opts.render, 'result.json'), 'utf8')), opts.render);
} else await main();
