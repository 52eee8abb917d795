import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { fakeLog, fakeUrl, uniqueId } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));

let gateway: RunningGateway;
let home: string;
beforeAll(async () => {
  gateway = await startGateway({
    ANTHROPIC_API_KEY: 'test-anthropic-key',
    ANTHROPIC_BASE_URL: `${fakeUrl()}/v1`,
    LOCAL_BASE_URL: `${fakeUrl()}/v1`,
    UPSTREAM_MAX_RETRIES: '0',
  });
  home = await mkdtemp(join(tmpdir(), 'infe-claude-home-'));
});
afterAll(async () => {
  await gateway?.dispose();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Claude Code in print mode, no account, every request to the gateway; bounded in time. */
function claude(prompt: string, model: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    ANTHROPIC_BASE_URL: gateway.url,
    ANTHROPIC_API_KEY: 'sk-ant-dummy-not-a-key',
    ANTHROPIC_MODEL: model,
    ANTHROPIC_SMALL_FAST_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
  return new Promise((resolve) => {
    const child = execFile(CLAUDE, ['-p', prompt], { env, cwd: home, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    // Print mode reads stdin too; a closed one means "no more input" at once.
    child.stdin?.end();
  });
}

describe('Claude Code, unchanged, through /v1/messages to an Anthropic upstream', () => {
  it('completes a print-mode turn and prints the answer', { timeout: 90_000 }, async () => {
    const id = uniqueId('claude-code');
    const model = `anthropic/${scenario({ id, text: 'Hello from Infe.' })}`;
    const run = await claude('Say hello.', model);
    const log = await fakeLog(id);
    expect({ code: run.code, stderr: run.stderr.slice(0, 2000) }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe('Hello from Infe.');
    expect(log.requests).toBeGreaterThan(0);
    // What it sent arrived as sent: its beta header, its system blocks with cache_control, its tools.
    const sent = log.lastBody as Record<string, unknown>;
    expect(log.lastHeaders['anthropic-beta']).toBeTruthy();
    expect(JSON.stringify(sent.system)).toContain('cache_control');
    expect(Array.isArray(sent.tools)).toBe(true);
  });
});

describe('Claude Code through /v1/messages to an OpenAI-dialect upstream (translated)', () => {
  it('completes a print-mode turn: effort, system blocks and tools arrive in OpenAI form', {
    timeout: 90_000,
  }, async () => {
    const id = uniqueId('claude-code-oai');
    const run = await claude('Say hello.', `local/${scenario({ id, text: 'Hello over OpenAI.' })}`);
    expect({ code: run.code, stdout: run.stdout.trim() }).toEqual({ code: 0, stdout: 'Hello over OpenAI.' });
    const sent = (await fakeLog(id)).lastBody as { messages: Array<{ role: string }>; tools: unknown[] } & Record<
      string,
      unknown
    >;
    expect(sent.messages[0]?.role).toBe('system');
    expect(sent.tools.length).toBeGreaterThan(0);
    expect(sent).not.toHaveProperty('context_management');
    expect(sent).not.toHaveProperty('thinking');
    // Its `output_config.effort` is OpenAI's reasoning_effort.
    expect(typeof sent.reasoning_effort).toBe('string');
  });
});
