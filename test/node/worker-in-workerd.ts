import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { experimental_readRawConfig, type Unstable_RawConfig } from 'wrangler';

const root = new URL('../../', import.meta.url);

/** wrangler.jsonc as wrangler itself reads it, so the tests run what deploys. */
const wranglerConfig = (): Unstable_RawConfig =>
  experimental_readRawConfig({ config: fileURLToPath(new URL('wrangler.jsonc', root)) }).rawConfig;

/** The playground's static assets, configured as in wrangler.jsonc. */
function assetsOption(config: Unstable_RawConfig) {
  if (!config.assets?.directory) throw new Error('wrangler.jsonc has no assets directory');
  return {
    directory: fileURLToPath(new URL(config.assets.directory, root)),
    run_worker_first: config.assets.run_worker_first,
    // What wrangler tells the asset router: a miss goes to this Worker, not to a 404.
    routerConfig: { has_user_worker: true },
  };
}

/** The repository's D1 migrations, in order, applied to the fresh in-memory database. */
async function applyMigrations(mf: Miniflare): Promise<void> {
  const db = await mf.getD1Database('DB');
  const dir = new URL('migrations/', root);
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = (await readFile(new URL(file, dir), 'utf8')).replace(/^\s*--.*$/gm, '');
    const statements = sql
      .split(';')
      .map((statement) => statement.trim())
      .filter(Boolean);
    await db.batch(statements.map((statement) => db.prepare(statement)));
  }
}

export interface GatewayOptions {
  /** Serve `public/` as static assets, as wrangler.jsonc configures it (the playground). */
  assets?: boolean;
  /** The request log: the LOG_QUEUE producer and consumer and a migrated D1 `DB`, as in `env.dev`. */
  logs?: boolean;
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
export async function startGateway(
  bindings: Record<string, string>,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const config = wranglerConfig();
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
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      // A local gateway: callers without a key are served, as with `npm start`.
      bindings: { INSECURE_LOCAL_MODE: 'true', ...bindings },
      // The Durable Objects are SQLite-backed, in memory for the run.
      durableObjects: {
        SESSIONS: { className: 'SessionDO', useSQLite: true },
        KEY_LIMITER: { className: 'KeyLimiterDO', useSQLite: true },
        ROUTE_STATS: { className: 'RouteStatsDO', useSQLite: true },
        RESPONSES: { className: 'ResponsesDO', useSQLite: true },
        RESPONSE_CACHE: { className: 'ResponseCacheDO', useSQLite: true },
      },
      ...(options.assets && { assets: assetsOption(config) }),
      ...(options.logs && {
        d1Databases: ['DB'],
        queueProducers: { LOG_QUEUE: 'infe-request-logs' },
        queueConsumers: { 'infe-request-logs': { maxBatchSize: 100, maxBatchTimeout: 1 } },
      }),
      host: '127.0.0.1',
      port: 0,
      cf: false,
    }),
  );
  const url = (await mf.ready).origin;
  if (options.logs) await applyMigrations(mf);
  return {
    url,
    async dispose() {
      await mf.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
