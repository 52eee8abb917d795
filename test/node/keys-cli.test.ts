import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

/** What the key table holds for `id`, read with wrangler itself rather than through the CLI under test. */
function budgetOf(id: string) {
  const result = spawnSync(
    join(root, 'node_modules/.bin/wrangler'),
    [
      ...['d1', 'execute', 'infe', '--local', '--env', 'dev', '--persist-to', join(state, 'wrangler'), '--json'],
      ...['--command', `SELECT rpm, budget_usd, budget_period FROM api_keys WHERE id = '${id}'`],
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
  );
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout)[0]?.results[0];
}

describe('npm run keys on a local state of its own', () => {
  beforeAll(() => {
    const migrate = spawnSync(
      join(root, 'node_modules/.bin/wrangler'),
      ['d1', 'migrations', 'apply', 'infe', '--local', '--env', 'dev', '--persist-to', join(state, 'wrangler')],
      { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
    );
    expect(migrate.status, migrate.stderr).toBe(0);
  }, 60_000);

  it('revoke: an unknown id fails, a known one is revoked once', () => {
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

  it('create and update set a budget per day or month, and lift it with none', () => {
    for (const [flags, error] of [
      [['--budget-usd', '0'], '--budget-usd must be a positive amount'],
      [['--budget-usd', '5', '--budget-period', 'week'], '--budget-period must be day or month'],
      [['--budget-period', 'day'], '--budget-period needs --budget-usd'],
    ] as const) {
      const refused = keys('create', '--name', 'bad-budget', ...flags);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain(error);
    }
    const created = keys('create', '--name', 'budgeted', '--rpm', '10', '--budget-usd', '5', '--budget-period', 'day');
    expect(created.status, created.stderr).toBe(0);
    const id = /created (key_\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(budgetOf(id)).toEqual({ rpm: 10, budget_usd: 5, budget_period: 'day' });
    expect(keys('list').stdout).toContain('$5/day');

    expect(keys('update', id, '--budget-usd', '2.5').status).toBe(0);
    expect(budgetOf(id)).toEqual({ rpm: 10, budget_usd: 2.5, budget_period: 'day' });
    expect(keys('update', id, '--budget-period', 'month', '--rpm', 'none').status).toBe(0);
    expect(budgetOf(id)).toEqual({ rpm: null, budget_usd: 2.5, budget_period: 'month' });
    expect(keys('update', id, '--budget-usd', 'none').status).toBe(0);
    expect(budgetOf(id)).toEqual({ rpm: null, budget_usd: null, budget_period: null });

    const unknown = keys('update', 'key_unknown', '--budget-usd', '1');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no key key_unknown');
    expect(keys('update', id).stderr).toContain('update needs');
  }, 120_000);
});
