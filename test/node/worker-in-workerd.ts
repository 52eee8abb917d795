import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';

/** Compatibility settings come from wrangler.jsonc so the tests run what deploys. */
async function compatibility() {
  const jsonc = await readFile(new URL('../../wrangler.jsonc', import.meta.url), 'utf8');
  const config = JSON.parse(jsonc.replace(/^\s*\/\/.*$/gm, '')) as {
    compatibility_date: string;
    compatibility_flags: string[];
  };
  return { compatibilityDate: config.compatibility_date, compatibilityFlags: config.compatibility_flags };
}

export interface RunningGateway {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  dispose(): Promise<void>;
}

/**
 * The Worker bundled as wrangler would bundle it, served by workerd over real HTTP on loopback,
 * so clients (SDKs, raw sockets) see exactly what they would see in production.
 */
export async function startGateway(bindings: Record<string, string>): Promise<RunningGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'infe-worker-'));
  const scriptPath = join(dir, 'index.js');
  await build({
    entryPoints: [new URL('../../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2024',
    // Runtime modules (cloudflare:workers) are provided by workerd, as wrangler leaves them.
    external: ['cloudflare:*'],
    outfile: scriptPath,
    logLevel: 'warning',
  });
  // Miniflare 5 takes a new options shape; the classic one (one worker, flat keys) converts.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      modulesRoot: dir,
      ...(await compatibility()),
      bindings,
      // Sessions live in a SQLite-backed Durable Object, in memory for the run.
      durableObjects: { SESSIONS: { className: 'SessionDO', useSQLite: true } },
      host: '127.0.0.1',
      port: 0,
      cf: false,
    }),
  );
  const url = (await mf.ready).origin;
  return {
    url,
    async dispose() {
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
