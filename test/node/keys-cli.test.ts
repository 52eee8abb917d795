import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const state = mkdtempSync(join(tmpdir(), 'infe-keys-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

/** `npm run keys -- …` against a local state of this test's own (--persist-to), offline. */
function keys(...args: string[]) {
  const env = {
    ...process.env,
    PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}`,
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_SEND_METRICS: 'false',
  };
  return spawnSync('node', ['scripts/keys.mjs', ...args, '--persist-to', join(state, 'wrangler')], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
}

describe('npm run keys on a local state of its own', () => {
  it('revoke: an unknown id fails, a known one is revoked once', () => {
    const migrate = spawnSync(
      join(root, 'node_modules/.bin/wrangler'),
      ['d1', 'migrations', 'apply', 'infe', '--local', '--env', 'dev', '--persist-to', join(state, 'wrangler')],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
    );
    expect(migrate.status, migrate.stderr).toBe(0);
    const unknown = keys('revoke', 'key_unknown');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no key key_unknown');
    const created = keys('create', '--name', 'cli-test');
    expect(created.status, created.stderr).toBe(0);
    const id = /created (key_\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(keys('revoke', id).status).toBe(0);
    const again = keys('revoke', id);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already revoked');
  }, 60_000);
});
