// `npm start`: the gateway and its playground on http://localhost:8787, with the embedded simulator, offline.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pipeFiltered } from './dev-output.mjs';

const port = process.env.PORT ?? '8787';
const base = `http://localhost:${port}`;
const env = {
  ...process.env,
  // Local runs stay offline: no Request.cf download, no telemetry.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  // wrangler's output is piped through a filter below; it keeps its colours on a terminal.
  ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
};
const devArgs = process.argv.slice(2);
// The tables must go where the dev server will look for them.
const persistAt = devArgs.indexOf('--persist-to');
const persist = persistAt >= 0 ? devArgs.slice(persistAt, persistAt + 2) : [];

/** The variables wrangler dev gives the Worker: `.dev.vars.dev` for `--env dev` if present, else `.dev.vars`. */
function devVars() {
  const file = ['.dev.vars.dev', '.dev.vars'].find((name) => existsSync(name));
  const vars = {};
  if (!file) return { file, vars };
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    vars[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return { file, vars };
}

/** The providers enabled by a key (src/providers/openai-family.ts and anthropic.ts); `local` needs a base URL. */
const KEYED_PROVIDERS = [
  'openai',
  'groq',
  'cerebras',
  'together',
  'fireworks',
  'deepseek',
  'mistral',
  'openrouter',
  'anthropic',
];

/** Providers as the Worker decides them: `<PROVIDER>_API_KEY`, `LOCAL_BASE_URL`, and sim unless disabled. */
function configuredProviders(vars) {
  const providers = [];
  // `npm start` is local (INSECURE_LOCAL_MODE), where sim is on unless disabled.
  if (vars.SIM_DISABLED !== 'true') providers.push('sim (built in)');
  for (const id of KEYED_PROVIDERS) if (vars[`${id.toUpperCase()}_API_KEY`]) providers.push(id);
  if (vars.LOCAL_BASE_URL) providers.push(`local (${vars.LOCAL_BASE_URL})`);
  return providers;
}

const { file, vars } = devVars();
const providers = configuredProviders(vars);
console.log(`Infe gateway starting on ${base} (no auth: local use only)`);
console.log(`Providers: ${providers.join(', ') || 'none'}${file ? ` (from ${file})` : ''}`);
if (!file) console.log('Add provider keys to .dev.vars to use real models, e.g. GROQ_API_KEY=...');

// The local request-log database needs its tables before the first request is logged.
const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'infe', '--local', '--env', 'dev', ...persist], {
  env,
  encoding: 'utf8',
});
if (migrate.status !== 0) {
  process.stderr.write(migrate.stdout + migrate.stderr);
  process.exit(migrate.status ?? 1);
}
const child = spawn(
  'wrangler',
  ['dev', '--env', 'dev', '--port', port, '--ip', '127.0.0.1', ...devArgs],
  // Piped, not inherited, so the telemetry notice, the repeated bindings table and workerd's stack
  // for an unreachable provider can be left out (wrangler's [b]/[x] hotkeys need a terminal; Ctrl-C stops it).
  { env, stdio: ['inherit', 'pipe', 'pipe'] },
);
pipeFiltered(child.stdout, process.stdout);
pipeFiltered(child.stderr, process.stderr);
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

// Once the gateway answers, say where to go (wrangler's own banner scrolls past with its logs).
const deadline = Date.now() + 120_000;
async function announceWhenReady() {
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) {
        console.log(
          [
            '',
            `  ▶ Playground:  ${base}/`,
            `    API:         ${base}/v1  (OpenAI-compatible; GET /v1/models lists the models)`,
            `    Providers:   ${providers.join(', ') || 'none'}`,
            `    Try:         curl -N ${base}/v1/chat/completions -d '{"model":"sim/default","stream":true,"messages":[{"role":"user","content":"hi"}]}'`,
            '',
          ].join('\n'),
        );
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
void announceWhenReady();
