// `npm run soak [-- --streams 200 --seconds 60]`: a bounded load run through `wrangler dev` on loopback.
//
// Starts the fake provider (in a worker thread, so its event loop is not the load generator's), a
// fresh local D1 with the migrations applied, and `wrangler dev --env dev` on a snapshot of the Worker
// (see startWrangler) pointed at the fake as the `local` provider. Then `--streams` clients each open streaming chat completions back to back for
// `--seconds`, checking every byte of every reply. At the end it reads the request log back
// (GET /v1/logs, paging with next_cursor) and reports errors, records versus requests, the memory
// of the workerd and wrangler processes before and after, and latency percentiles.
// Exits non-zero when any request failed or the records do not match the requests.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { experimental_readRawConfig } from 'wrangler';
import { buildBundle, freePort, processTree } from '../bench/lib/procs.mjs';
import { percentile } from '../bench/lib/stats.mjs';

function usage() {
  return `usage: npm run soak -- [--streams N] [--seconds S] [--tokens T] [--gap MS] [--ttft MS] [--via wrangler|workerd]
  --streams  concurrent streams (default 200)
  --seconds  how long the streams keep opening requests (default 60)
  --tokens   tokens per reply (default 20)
  --gap      ms between the fake provider's tokens (default 50)
  --ttft     ms before the fake provider's first token (default 100)
  --via      wrangler (default): through \`wrangler dev\`; workerd: the same bundle in bare workerd
             (Miniflare, no wrangler proxies), for comparison`;
}

function options() {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      tokens: { type: 'string', default: '20' },
      gap: { type: 'string', default: '50' },
      ttft: { type: 'string', default: '100' },
      via: { type: 'string', default: 'wrangler' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const usageError = (message) => {
    console.error(`${message}\n${usage()}`);
    process.exit(2);
  };
  const int = (name, min, max) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be an integer from ${min} to ${max}\n${usage()}`);
      process.exit(2);
    }
    return n;
  };
  return {
    streams: int('streams', 1, 2000),
    seconds: int('seconds', 1, 3600),
    tokens: int('tokens', 1, 10_000),
    gap: int('gap', 0, 60_000),
    ttft: int('ttft', 0, 60_000),
    via: ['wrangler', 'workerd'].includes(values.via) ? values.via : usageError('--via must be wrangler or workerd'),
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'node_modules', '.bin');
function startFake() {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'fake-provider' } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', ({ url }) =>
      resolve({
        url,
        close: () =>
          new Promise((done) => {
            worker.once('message', () => worker.terminate().then(done, done));
            worker.postMessage('close');
          }),
      }),
    );
  });
}

/**
 * The wrangler process tree under `pid`: its workerd processes (the one listening on the public
 * `port` runs wrangler's dev proxy and inspector proxy in front of the Worker; the other runs the
 * Worker with its local D1 and Queue) and its Node processes (wrangler itself).
 */
function treeUsage(pid, port) {
  const empty = () => ({ pids: [], rssBytes: 0, cpuMs: 0 });
  const usage = { workerd: empty(), proxy: empty(), worker: empty(), node: empty() };
  const add = (kind, proc) => {
    usage[kind].pids.push(proc.pid);
    usage[kind].rssBytes += proc.rssBytes;
    usage[kind].cpuMs += proc.cpuMs;
  };
  for (const proc of processTree(pid)) {
    if (proc.name === 'workerd') {
      add('workerd', proc);
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
      } catch {}
      add(cmdline.includes(`entry=127.0.0.1:${port}`) ? 'proxy' : 'worker', proc);
    } else if (proc.name === 'MainThread' || proc.name.startsWith('node')) {
      // Node names its main thread `MainThread`.
      add('node', proc);
    }
  }
  return usage;
}

const MiB = 1024 * 1024;
const mib = (bytes) => Math.round((bytes / MiB) * 10) / 10;
const ms = (x) => (Number.isFinite(x) ? Math.round(x) : null);

/** One streaming request, read to the end and checked; never throws. */
async function oneStream(base, model, expected, timeoutMs) {
  const started = performance.now();
  let ttft;
  try {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'soak' }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { ok: false, error: `http_${res.status}` };
    }
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body) {
      text += decoder.decode(chunk, { stream: true });
      if (ttft === undefined && text.includes('"delta":{"content":"')) ttft = performance.now() - started;
    }
    const total = performance.now() - started;
    const frames = text.split('\n\n').filter((block) => block.startsWith('data: '));
    if (frames.at(-1) !== 'data: [DONE]') return { ok: false, error: 'no_done' };
    let content = '';
    for (const frame of frames.slice(0, -1)) {
      const json = JSON.parse(frame.slice(6));
      if (json.error) return { ok: false, error: `event_${json.error.code}` };
      content += json.choices?.[0]?.delta?.content ?? '';
    }
    if (content !== expected) return { ok: false, error: 'content_mismatch' };
    return { ok: true, ttft, total };
  } catch (error) {
    return {
      ok: false,
      error: error?.name === 'TimeoutError' ? 'client_timeout' : `network_${error?.name ?? 'error'}`,
    };
  }
}

/** Every log record of `model` since `since`, paging through next_cursor. */
async function readRecords(base, model, since) {
  const records = [];
  let cursor = null;
  for (let page = 0; page < 10_000; page++) {
    const query = new URLSearchParams({ model, since: String(since), limit: '200' });
    if (cursor) query.set('cursor', cursor);
    const res = await fetch(`${base}/v1/logs?${query}`);
    if (!res.ok) throw new Error(`GET /v1/logs answered ${res.status}: ${await res.text()}`);
    const body = await res.json();
    records.push(...body.data);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return records;
}

/**
 * `wrangler dev --env dev` on a free loopback port, with a fresh local D1 (migrated) and the fake
 * provider as `local`. Its output (one console line per request) goes to `logPath`.
 *
 * wrangler dev reloads the Worker whenever a source file or the config changes, which drops every
 * stream in flight and the log records still queued: in a shared checkout that is being edited, a
 * soak run over `src/` measures the editors. So it runs a snapshot: the bundle `npm run build`
 * would produce (built into a temporary directory, served with --no-bundle) and a copy of
 * wrangler.jsonc whose paths point back into the repository.
 */
async function startWrangler(fake, logPath) {
  const persist = mkdtempSync(join(tmpdir(), 'infe-soak-'));
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_SEND_METRICS: 'false',
  };
  const bundle = join(persist, 'bundle');
  await buildBundle(bundle, '');
  const { rawConfig: config } = experimental_readRawConfig({ config: join(root, 'wrangler.jsonc') });
  const absolute = (section) => {
    if (section?.assets?.directory) section.assets.directory = join(root, section.assets.directory);
    for (const db of section?.d1_databases ?? [])
      if (db.migrations_dir) db.migrations_dir = join(root, db.migrations_dir);
  };
  absolute(config);
  for (const section of Object.values(config.env ?? {})) absolute(section);
  config.main = join(bundle, 'index.js');
  delete config.$schema;
  const configPath = join(persist, 'wrangler.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  const migrate = spawnSync(
    join(bin, 'wrangler'),
    ['d1', 'migrations', 'apply', 'infe', '--local', '--env', 'dev', '--persist-to', persist, '--config', configPath],
    { cwd: root, env, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`D1 migrations failed:\n${migrate.stdout}${migrate.stderr}`);
  const port = await freePort();
  const child = spawn(
    join(bin, 'wrangler'),
    [
      'dev',
      '--config',
      configPath,
      '--no-bundle',
      '--env',
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--persist-to',
      persist,
      '--var',
      `LOCAL_BASE_URL:${fake.url}/v1`,
      '--show-interactive-dev-session=false',
    ],
    // Its own process group, so stopping it stops its proxies and workerd too.
    { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = createWriteStream(logPath);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const server = {
    label: 'wrangler dev (a snapshot of the Worker)',
    base: `http://127.0.0.1:${port}`,
    port,
    root: child.pid,
    exited: () => child.exitCode !== null,
    async stop() {
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {}
        for (let i = 0; i < 50 && child.exitCode === null; i++) await sleep(100);
        if (child.exitCode === null) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
        }
      }
      log.end();
      rmSync(persist, { recursive: true, force: true });
    },
  };
  try {
    await waitForHealth(server, 120_000);
  } catch (error) {
    await server.stop();
    console.error(readFileSync(logPath, 'utf8').slice(-4000));
    throw error;
  }
  return server;
}

/**
 * For comparison (`--via workerd`): the same bundle in bare workerd through Miniflare, as the node
 * tests run it (test/node/worker-in-workerd.ts), with the Queue and D1 bound, without wrangler's proxies.
 */
async function startBareWorkerd(fake) {
  const { startGateway } = await import('../test/node/worker-in-workerd.ts');
  // Miniflare relays the Worker's console here: drop the one line per request, keep the rest.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) =>
    String(chunk).includes('{"type":"request"') ? true : write(chunk, ...rest);
  const gateway = await startGateway(
    {
      LOCAL_BASE_URL: `${fake.url}/v1`,
      ALLOW_LOCAL_ADMIN: 'true',
      INSECURE_LOCAL_MODE: 'true',
      FIRST_BYTE_TIMEOUT_MS: '30000',
      STREAM_IDLE_TIMEOUT_MS: '30000',
    },
    { logs: true },
  );
  const port = Number(new URL(gateway.url).port);
  return {
    label: 'bare workerd (Miniflare)',
    base: gateway.url,
    port,
    root: process.pid,
    exited: () => false,
    stop: () => gateway.dispose(),
  };
}

async function waitForHealth(server, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error(`${server.label} exited`);
    try {
      if ((await fetch(`${server.base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`${server.label} did not answer ${server.base}/healthz within ${deadlineMs} ms`);
}

async function main() {
  const opts = options();
  const runId = `soak-${Date.now().toString(36)}`;
  const logPath = join(tmpdir(), `infe-${runId}-wrangler.log`);
  let server;
  let fake;
  const cleanup = async () => {
    await server?.stop();
    await fake?.close();
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

  try {
    fake = await startFake();
    server = opts.via === 'wrangler' ? await startWrangler(fake, logPath) : await startBareWorkerd(fake);
    const { base, port } = server;
    console.log(`soak ${runId}: ${opts.streams} streams for ${opts.seconds} s through ${server.label} on ${base}`);
    console.log(
      `  each reply: ${opts.tokens} tokens, ${opts.ttft} ms to the first, ${opts.gap} ms apart (fake provider ${fake.url})`,
    );

    const model = `local/fake;id=${runId};tokens=${opts.tokens};gap=${opts.gap};ttft=${opts.ttft}`;
    const expected = Array.from({ length: opts.tokens }, (_, i) => `tok${i} `).join('');
    const replyMs = opts.ttft + opts.gap * (opts.tokens - 1);
    const timeoutMs = Math.max(30_000, replyMs * 10);

    // Warm-up (the isolate, D1, the queue) before the "before" figures; its requests are counted too.
    const since = Date.now() - 1000;
    const WARM_UP = 3;
    for (let i = 0; i < WARM_UP; i++) {
      const result = await oneStream(base, model, expected, timeoutMs);
      if (!result.ok) throw new Error(`warm-up request failed: ${result.error}`);
    }
    await sleep(1000);
    const before = treeUsage(server.root, port);

    const results = [];
    const errors = new Map();
    let peakWorkerd = before.workerd.rssBytes;
    let peakNode = before.node.rssBytes;
    const startedAt = Date.now();
    const deadline = startedAt + opts.seconds * 1000;
    const sampler = setInterval(() => {
      const now = treeUsage(server.root, port);
      peakWorkerd = Math.max(peakWorkerd, now.workerd.rssBytes);
      peakNode = Math.max(peakNode, now.node.rssBytes);
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      if (seconds % 10 === 0 || seconds >= opts.seconds) {
        const failed = [...errors.values()].reduce((a, b) => a + b, 0);
        console.log(
          `  t=${seconds}s  done=${results.length}  errors=${failed}  workerd=${mib(now.workerd.rssBytes)} MiB` +
            (opts.via === 'wrangler' ? `  wrangler=${mib(now.node.rssBytes)} MiB` : ''),
        );
      }
    }, 1000);

    const client = async (index) => {
      // Spread the first requests over a second rather than opening all at the same instant.
      await sleep(Math.floor((index * 1000) / opts.streams));
      while (Date.now() < deadline) {
        const result = await oneStream(base, model, expected, timeoutMs);
        if (result.ok) results.push(result);
        else errors.set(result.error, (errors.get(result.error) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: opts.streams }, (_, i) => client(i)));
    clearInterval(sampler);
    const elapsed = (Date.now() - startedAt) / 1000;
    const failed = [...errors.values()].reduce((a, b) => a + b, 0);
    const sent = results.length + failed + WARM_UP;

    // The records go through the Queue into D1: wait until they are all there, or the deadline.
    let records = [];
    const recordsDeadline = Date.now() + 60_000;
    while (Date.now() < recordsDeadline) {
      records = await readRecords(base, model, since);
      if (records.length >= sent) break;
      await sleep(1000);
    }
    await sleep(2000);
    const after = treeUsage(server.root, port);
    records = await readRecords(base, model, since);
    const outcomes = {};
    for (const record of records) outcomes[record.outcome] = (outcomes[record.outcome] ?? 0) + 1;
    const duplicates = records.length - new Set(records.map((record) => record.requestId)).size;

    const pcts = (values) => {
      const sorted = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
      return { p50: ms(percentile(sorted, 0.5)), p95: ms(percentile(sorted, 0.95)), p99: ms(percentile(sorted, 0.99)) };
    };
    const cpu = (kind) => Math.round((after[kind].cpuMs - before[kind].cpuMs) / 1000);
    const memory = (kind, peak) => ({
      before: mib(before[kind].rssBytes),
      ...(peak === undefined ? {} : { peak: mib(peak) }),
      after: mib(after[kind].rssBytes),
    });
    const summary = {
      run: runId,
      via: server.label,
      streams: opts.streams,
      seconds: opts.seconds,
      elapsedSeconds: Math.round(elapsed * 10) / 10,
      reply: { tokens: opts.tokens, ttftMs: opts.ttft, gapMs: opts.gap, idealTotalMs: replyMs },
      requests: sent,
      completed: results.length + WARM_UP,
      requestsPerSecond: Math.round((results.length / elapsed) * 10) / 10,
      errors: failed,
      errorKinds: Object.fromEntries(errors),
      records: { written: records.length, expected: sent, duplicates, outcomes },
      latencyMs: {
        ttftAtClient: pcts(results.map((r) => r.ttft)),
        totalAtClient: pcts(results.map((r) => r.total)),
        ttftRecordedByGateway: pcts(records.map((r) => r.clientTtftMs)),
      },
      memoryMiB: {
        workerd: memory('workerd', peakWorkerd),
        ...(opts.via === 'wrangler' && {
          workerdRunningTheWorker: memory('worker'),
          workerdRunningWranglersProxies: memory('proxy'),
          wranglerNode: memory('node', peakNode),
        }),
      },
      cpuSeconds: {
        ...(opts.via === 'wrangler'
          ? {
              workerdRunningTheWorker: cpu('worker'),
              workerdRunningWranglersProxies: cpu('proxy'),
              wranglerNode: cpu('node'),
            }
          : { workerd: cpu('workerd') }),
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    const problems = [];
    if (failed > 0) problems.push(`${failed} request(s) failed`);
    if (records.length !== sent) problems.push(`${records.length} log records for ${sent} requests`);
    if (duplicates > 0) problems.push(`${duplicates} duplicate record(s)`);
    if (problems.length > 0) {
      if (opts.via === 'wrangler') {
        const notable = readFileSync(logPath, 'utf8')
          .split('\n')
          .filter((line) => line && !line.startsWith('{"type":"request"') && !/\] (POST|GET) \//.test(line));
        console.log(`wrangler's output other than request lines (${notable.length} lines; all of it in ${logPath}):`);
        console.log(notable.slice(0, 40).join('\n'));
      }
      console.log(`SOAK FAILED: ${problems.join('; ')}`);
      process.exitCode = 1;
    } else {
      console.log(`SOAK OK: ${sent} requests, 0 errors, ${records.length} records`);
      rmSync(logPath, { force: true });
    }
  } catch (error) {
    console.error(`soak: ${error?.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

if (!isMainThread && workerData?.role === 'fake-provider') {
  // The worker thread: the fake provider, until the main thread says stop.
  const { startFakeProvider } = await import('../test/fake-provider/server.ts');
  const fake = await startFakeProvider();
  parentPort.postMessage({ url: fake.url });
  parentPort.on('message', async (message) => {
    if (message === 'close') {
      await fake.close();
      parentPort.postMessage('closed');
    }
  });
} else {
  await main();
}
