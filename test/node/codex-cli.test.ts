import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, fakeUrl, uniqueId } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

const CODEX = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

let gateway: RunningGateway;
let home: string;
beforeAll(async () => {
  gateway = await startGateway({ LOCAL_BASE_URL: `${fakeUrl()}/v1`, UPSTREAM_MAX_RETRIES: '0' });
  home = await mkdtemp(join(tmpdir(), 'infe-codex-'));
});
afterAll(async () => {
  await gateway?.dispose();
  if (home) await rm(home, { recursive: true, force: true });
});

/**
 * A Codex config with Infe as a custom Responses provider and no account. Codex always sends
 * hosted tools (web_search, tool namespaces), so it opts in to their drop. Update checks,
 * analytics, feedback and the plugin catalog (a `git ls-remote` to GitHub) are off, so every
 * connection stays on loopback.
 */
const config = (model: string) => `model = ${JSON.stringify(model)}
model_provider = "infe"
check_for_update_on_startup = false

[features]
plugins = false

[analytics]
enabled = false

[feedback]
enabled = false

[model_providers.infe]
name = "Infe"
base_url = "${gateway.url}/v1"
wire_api = "responses"
http_headers = { "x-infe-drop-unsupported-tools" = "true" }
`;

function codexExec(prompt: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      CODEX,
      ['exec', '--skip-git-repo-check', prompt],
      {
        cwd: home,
        env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, NO_COLOR: '1' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('the Codex CLI against /v1/responses', () => {
  it('completes a turn with Infe as its custom Responses provider', async () => {
    const id = uniqueId('codex');
    await writeFile(join(home, 'config.toml'), config(`local/${scenario({ id, text: 'Hello from Infe.' })}`));
    const run = await codexExec('Say hello');
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('Hello from Infe.');
    const log = await fakeLog(id);
    expect(log.requests).toBe(1);
    // The hosted tools were left out; the function tools reached the provider.
    const tools = (log.lastBody as { tools?: { function: { name: string } }[] }).tools ?? [];
    expect(tools.map((tool) => tool.function.name)).toContain('exec_command');
  }, 90_000);
});
