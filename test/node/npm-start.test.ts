import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/lib/procs.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
// ANSI colour codes, stripped before matching.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is matched.
const ANSI = /\x1b\[[0-9;]*m/g;

let child: ChildProcess | undefined;
let state: string | undefined;
afterAll(async () => {
  child?.kill('SIGTERM');
  if (state) await rm(state, { recursive: true, force: true });
});

describe('npm start (scripts/start.mjs)', () => {
  it('prints no telemetry notice, one bindings table, and one line per attempt at an unreachable provider', async () => {
    state = await mkdtemp(join(tmpdir(), 'infe-npm-start-'));
    // A wrangler config home that has agreed to telemetry but not yet shown this version's notice:
    // what a machine that ran wrangler before looks like, so wrangler would print the notice.
    const config = join(state, 'config');
    await mkdir(join(config, '.wrangler'), { recursive: true });
    await writeFile(
      join(config, '.wrangler', 'metrics.json'),
      JSON.stringify({ permission: { enabled: true, date: new Date().toISOString() } }),
    );
    const [port, inspector] = [await freePort(), await freePort()];
    // A 64-character label is not a valid DNS name: the lookup fails on this machine, with no query sent.
    const host = `${'a'.repeat(64)}.invalid`;
    child = spawn(
      process.execPath,
      [
        'scripts/start.mjs',
        '--inspector-port',
        String(inspector),
        '--persist-to',
        join(state, 'state'),
        '--var',
        `LOCAL_BASE_URL:http://${host}/v1`,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          PORT: String(port),
          PATH: `${join(root, 'node_modules/.bin')}${delimiter}${process.env.PATH ?? ''}`,
          XDG_CONFIG_HOME: config,
          CLOUDFLARE_API_TOKEN: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const seen: Array<() => void> = [];
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      for (const check of seen) check();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const printed = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => output.includes(text) && resolve();
        seen.push(check);
        check();
      });
    const exited = new Promise<string>((resolve) => child?.once('exit', (code) => resolve(`exited ${code}`)));
    const started = await Promise.race([printed('▶ Playground').then(() => 'ready'), exited]);
    expect(started, output).toBe('ready');

    const reply = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'local/any', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(reply.status).toBe(502);
    expect(((await reply.json()) as { error: { code: string } }).error.code).toBe('upstream_unreachable');
    // The request record is logged after every attempt has failed.
    await Promise.race([printed('"outcome":"upstream_error"'), exited]);
    const record = output.split('\n').find((line) => line.includes('"type":"request"')) ?? '';
    const attempts = (JSON.parse(record.replace(ANSI, '')) as { attempts: unknown[] }).attempts.length;

    const plain = output.replace(ANSI, '');
    expect(plain).toContain('Ready on');
    expect(plain).not.toContain('collects anonymous telemetry');
    expect(plain.match(/has access to the following bindings/g)).toHaveLength(1);
    expect(plain).not.toMatch(/failed to lookup address information|stack:|ffi\.rs/);
    const unreachable = plain.split('\n').filter((line) => line.includes(host));
    expect(attempts).toBeGreaterThan(0);
    expect(unreachable).toHaveLength(attempts);
    for (const line of unreachable) expect(line).toContain('"type":"upstream_unreachable","provider":"local"');
  }, 60_000);
});
