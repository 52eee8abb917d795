import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/lib/procs.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

let child: ChildProcess | undefined;
let state: string | undefined;
afterAll(async () => {
  child?.kill('SIGTERM');
  if (state) await rm(state, { recursive: true, force: true });
});

describe('plain `npx wrangler dev` on a fresh clone', () => {
  it('starts offline without a Cloudflare account, serves, says what is missing, and prints no config warning', async () => {
    state = await mkdtemp(join(tmpdir(), 'infe-plain-dev-'));
    const [port, inspector] = [await freePort(), await freePort()];
    // No account: an empty config home, so wrangler finds no login; no network fetches.
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: join(state, 'config'),
      CLOUDFLARE_API_TOKEN: '',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      CI: 'true',
    };
    const args = ['dev', '--port', String(port), '--ip', '127.0.0.1', '--inspector-port', String(inspector)];
    child = spawn(join(root, 'node_modules/.bin/wrangler'), [...args, '--persist-to', join(state, 'state')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve));
    const ready = new Promise<void>((resolve) => {
      const check = () => (output.includes('Ready on') ? resolve() : setTimeout(check, 50));
      check();
    });
    const started = await Promise.race([ready.then(() => 'ready'), exited.then((code) => `exited ${code}`)]);
    expect(started, output).toBe('ready');

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // A fresh local D1 has no tables yet: the answer names the command that creates them.
    const models = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(models.status).toBe(503);
    const body = (await models.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('database_schema_missing');
    expect(body.error.message).toContain('npx wrangler d1 migrations apply infe --local');
    expect(output).not.toMatch(/WARNING|login/i);
  }, 60_000);
});
