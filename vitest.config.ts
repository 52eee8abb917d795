import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Request log lines are noise when a test passes and evidence when it fails.
    silent: 'passed-only',
    projects: [
      {
        // Unit tests beside their files and integration tests, all inside workerd.
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: './wrangler.jsonc', environment: 'dev' },
            miniflare: {
              cfFetch: false,
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                // The Worker's own env (what Durable Objects see) points the `local` and
                // `anthropic` providers at the fake provider; tests may still pass their own env.
                LOCAL_BASE_URL: `${inject('fakeProviderUrl')}/v1`,
                ANTHROPIC_API_KEY: 'test-anthropic-key',
                ANTHROPIC_BASE_URL: `${inject('fakeProviderUrl')}/v1`,
                UPSTREAM_RETRY_BASE_MS: '10',
                // A priced fake model for what runs in Durable Objects (session turns under a
                // key's budget: test/workers/key-budgets.test.ts), which cannot take a test's env.
                GATEWAY_CONFIG: JSON.stringify({
                  prices: { 'local/fake;id=budget-session;tokens=5': { input: 1, output: 1000 } },
                }),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          // test/reliability/*.test.ts: the fault-injection suite (its real-socket cases run in `node`).
          include: ['src/**/*.test.ts', 'test/workers/**/*.test.ts', 'test/reliability/*.test.ts'],
          globalSetup: ['test/setup/fake-provider.global.ts'],
          setupFiles: ['test/setup/apply-migrations.ts'],
        },
      },
      {
        // Real HTTP against the Worker in workerd, and the official SDKs as clients.
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts', 'test/reliability/node/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/fake-provider.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The playground in headless Chromium (Debian's package, driven by playwright-core).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/fake-provider.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
