// The processes the benchmark drives: the wrangler build, the fake provider and bare workerd.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unstable_readConfig } from 'wrangler';

const ROOT = new URL('../..', import.meta.url).pathname;
const bin = (name) => join(ROOT, 'node_modules', '.bin', name);

/** Offline, quiet wrangler: no Request.cf download, no telemetry. */
const WRANGLER_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

/**
 * The exact bundle `wrangler deploy` would upload, so workerd runs what production runs; with
 * wrangler's own output (it reports the upload size, raw and gzip).
 */
export async function buildBundle(outdir, wranglerEnv) {
  // process.execPath, not `node` from PATH: outside `npm run` PATH may hold an older Node.
  const log = await run(
    process.execPath,
    [bin('wrangler'), 'deploy', '--dry-run', '--outdir', outdir, '--env', wranglerEnv],
    { cwd: ROOT, env: WRANGLER_ENV },
  );
  const files = readdirSync(outdir);
  if (!files.includes('index.js'))
    throw new Error(`wrangler wrote no index.js in ${outdir} (got: ${files.join(', ')})`);
  // Extra modules (wasm, text) would each need an entry in the workerd config; fail loudly rather than run a broken Worker.
  const extra = files.filter((f) => f !== 'index.js' && !f.endsWith('.map') && f !== 'README.md');
  if (extra.length > 0) throw new Error(`bundle has modules this benchmark does not wire up: ${extra.join(', ')}`);
  return { name: 'index.js', log };
}

/** Compatibility settings and vars as wrangler itself resolves them for `--env <name>` (vars are not inherited). */
export function wranglerSettings(envName) {
  const cfg = unstable_readConfig(
    { config: join(ROOT, 'wrangler.jsonc'), env: envName || undefined },
    { hideWarnings: true },
  );
  return {
    compatibilityDate: cfg.compatibility_date,
    compatibilityFlags: cfg.compatibility_flags ?? [],
    vars: cfg.vars ?? {},
  };
}

export async function freePort() {
  const srv = createServer();
  await new Promise((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A child process whose output goes to files: a pipe nobody drains would eventually block it. */
export function spawnLogged(cmd, args, logPath, opts = {}) {
  const fd = openSync(logPath, 'w');
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  return {
    child,
    pid: child.pid,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    exited: () => exited,
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      if ((await Promise.race([gone.then(() => true), sleep(3000, false)])) === false) child.kill('SIGKILL');
    },
  };
}

/**
 * The fake provider in its own process (its CLI, same code as startFakeProvider): in the client's
 * process it would share one event loop with the measuring code and skew both paths.
 */
export async function startFakeProvider(dir) {
  const proc = spawnLogged(
    process.execPath,
    [join(ROOT, 'test/fake-provider/cli.ts'), '0'],
    join(dir, 'fake-provider.log'),
  );
  for (let waited = 0; waited < 10_000; waited += 50) {
    const url = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(proc.log())?.[1];
    if (url) return { ...proc, url };
    if (proc.exited()) break;
    await sleep(50);
  }
  await proc.stop();
  throw new Error(`fake provider did not start:\n${proc.log()}`);
}

/** Cap'n Proto text literal; JSON escapes like \u00e9 are not capnp syntax, so use \xNN for control chars. */
export function capnpString(s) {
  let out = '"';
  for (const ch of String(s)) {
    const code = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (code < 0x20) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `embed` paths are relative to the config file (a leading '/' means the -I import path), so the config sits beside the bundle. */
export function workerdConfig({ bundleName, port, compatibilityDate, compatibilityFlags, bindings }) {
  const bindingLines = Object.entries(bindings).map(([name, value]) =>
    typeof value === 'string'
      ? `    (name = ${capnpString(name)}, text = ${capnpString(value)}),`
      : `    (name = ${capnpString(name)}, json = ${capnpString(JSON.stringify(value))}),`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    # The default "internet" service only reaches public addresses; the fake provider is on loopback.
    # "private" includes loopback and keeps the benchmark off the public internet.
    (name = "loopback", network = (allow = ["private"])),
  ],
  sockets = [ (name = "http", address = ${capnpString(`127.0.0.1:${port}`)}, http = (), service = "gateway") ],
);

const gateway :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed ${capnpString(bundleName)}) ],
  compatibilityDate = ${capnpString(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map(capnpString).join(', ')}],
  bindings = [
${bindingLines.join('\n')}
  ],
  globalOutbound = "loopback",
);
`;
}

/**
 * The built bundle served by bare workerd on a free port, with the wrangler environment's vars
 * and `bindings` over them: the setup of every single-gateway benchmark.
 */
export async function serveBundle(dir, { bundleName, wranglerEnv = 'dev', bindings }) {
  const settings = wranglerSettings(wranglerEnv);
  const port = await freePort();
  const config = workerdConfig({
    bundleName,
    port,
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
    bindings: { ...settings.vars, ...bindings },
  });
  return startWorkerd(dir, config, port);
}

/** Bare `workerd serve`: no wrangler dev, no inspector proxy between the client and the Worker. */
export async function startWorkerd(dir, configText, port) {
  const configPath = join(dir, 'config.capnp');
  writeFileSync(configPath, configText);
  const proc = spawnLogged(bin('workerd'), ['serve', configPath], join(dir, 'workerd.log'), { cwd: dir });
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (proc.exited()) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return { ...proc, url: `http://127.0.0.1:${port}` };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  await proc.stop();
  throw new Error(`workerd did not become healthy on port ${port}:\n${proc.log()}`);
}

export function workerdVersion() {
  return execFileSync(bin('workerd'), ['--version'], { encoding: 'utf8' }).trim();
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/** A process's parent, thread name, resident memory and user+system CPU (ms, 10 ms ticks), from /proc; null once gone. */
export function processUsage(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)", which may contain spaces: state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]),
      name: /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '',
      rssBytes: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024,
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK,
    };
  } catch {
    return null;
  }
}

/** User+system CPU of a whole process (all threads) in ms; NaN once it is gone. */
export const processCpuMs = (pid) => processUsage(pid)?.cpuMs ?? Number.NaN;

/** Resident memory of a process in KiB; NaN once it is gone. */
export const rssKiB = (pid) => (processUsage(pid)?.rssBytes ?? Number.NaN) / 1024;

/** `pid` and its descendants (at most `depth` levels down), each with its processUsage. */
export function processTree(pid, depth = 8) {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const usage = processUsage(Number(entry));
    if (usage) table.set(Number(entry), usage);
  }
  const tree = [];
  const visit = (p, level) => {
    const usage = table.get(p);
    if (!usage || level > depth) return;
    tree.push({ pid: p, ...usage });
    for (const [child, info] of table) if (info.ppid === p) visit(child, level + 1);
  };
  visit(pid, 0);
  return tree;
}

export function gitRevision() {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'wrangler.jsonc'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return 'unknown';
  }
}

/** The gateway's own per-request log lines (stdout of workerd), counted by outcome. */
export function workerdLogSummary(text) {
  const outcomes = {};
  const other = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line);
      if (rec.type === 'request') {
        outcomes[rec.outcome] = (outcomes[rec.outcome] ?? 0) + 1;
        continue;
      }
    } catch {
      // Not a request record: keep it, it is probably a workerd warning or an uncaught error.
    }
    if (other.length < 20) other.push(line.slice(0, 500));
  }
  return { outcomes, otherLines: other };
}
