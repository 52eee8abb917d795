// Bundle size as `wrangler deploy` reports it, as configured and with --minify, and what fills it
// (esbuild's metafile, bytes in the minified output per package or src/ folder).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const WRANGLER_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' };

export function wranglerSize(log) {
  const m = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(log);
  return m ? { rawKiB: Number(m[1]), gzipKiB: Number(m[2]) } : null;
}

/** The deployed build's sizes (from its wrangler log and index.js), plus a minified build's. */
export async function bundleSizes(dir, deployed, wranglerEnv) {
  const code = readFileSync(join(dir, deployed.name));
  const out = {
    rawKiB: code.length / 1024,
    gzipKiB: gzipSync(code, { level: 9 }).length / 1024,
    wrangler: wranglerSize(deployed.log),
    minified: null,
    contributors: [],
  };
  const minDir = join(dir, 'minified');
  const { stdout, stderr } = await run(
    process.execPath,
    [
      join(ROOT, 'node_modules/.bin/wrangler'),
      'deploy',
      '--dry-run',
      '--outdir',
      minDir,
      '--env',
      wranglerEnv,
      '--minify',
      '--metafile',
    ],
    { cwd: ROOT, env: WRANGLER_ENV, timeout: 120_000 },
  );
  out.minified = wranglerSize(stdout + stderr);
  const meta = JSON.parse(readFileSync(join(minDir, 'bundle-meta.json'), 'utf8'));
  const js = Object.entries(meta.outputs).find(([name]) => name.endsWith('index.js'))?.[1];
  const by = {};
  for (const [path, { bytesInOutput }] of Object.entries(js?.inputs ?? {})) {
    const pkg = path.includes('node_modules/') ? path.split('node_modules/').pop().split('/') : null;
    const key = pkg
      ? pkg[0].startsWith('@')
        ? `${pkg[0]}/${pkg[1]}`
        : pkg[0]
      : (/src\/[^/]+/.exec(path)?.[0] ?? path);
    by[key] = (by[key] ?? 0) + bytesInOutput;
  }
  const total = Object.values(by).reduce((a, b) => a + b, 0);
  out.contributors = Object.entries(by)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, bytes]) => ({ name, kib: bytes / 1024, share: bytes / total }));
  return out;
}
