// Runs bench/stages.bench.ts the way its header says (esbuild bundle, then Node) and returns its rows.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

export async function stageMicrobench(dir) {
  const out = join(dir, 'stages-bench.mjs');
  await run(
    join(ROOT, 'node_modules/.bin/esbuild'),
    ['bench/stages.bench.ts', '--bundle', '--platform=node', '--format=esm', `--outfile=${out}`, '--log-level=warning'],
    { cwd: ROOT },
  );
  const { stdout } = await run(process.execPath, [out, '--json'], { cwd: ROOT, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}
