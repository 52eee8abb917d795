// `npm start`: the gateway on http://localhost:8787 with the embedded simulator, offline.
import { spawn, spawnSync } from 'node:child_process';

const port = process.env.PORT ?? '8787';
const env = {
  ...process.env,
  // Local runs stay offline: no Request.cf download, no telemetry.
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
};
console.log(`Infe gateway starting on http://localhost:${port} (no auth: local use only)`);
console.log('Default model: sim/default (built in, no keys). Add provider keys to .dev.vars, e.g. GROQ_API_KEY=...');
console.log(
  `Try: curl -N localhost:${port}/v1/chat/completions -d '{"model":"sim/default","stream":true,"messages":[{"role":"user","content":"hi"}]}'`,
);
// The local request-log database needs its tables before the first request is logged.
const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'infe', '--local', '--env', 'dev'], {
  env,
  encoding: 'utf8',
});
if (migrate.status !== 0) {
  process.stderr.write(migrate.stdout + migrate.stderr);
  process.exit(migrate.status ?? 1);
}
const child = spawn(
  'wrangler',
  ['dev', '--env', 'dev', '--port', port, '--ip', '127.0.0.1', ...process.argv.slice(2)],
  {
    env,
    stdio: 'inherit',
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
