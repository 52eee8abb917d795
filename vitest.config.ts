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
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.jsonc', environment: 'dev' },
            miniflare: {
              cfFetch: false,
              bindings: { TEST_MIGRATIONS: await readD1Migrations('./migrations') },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['src/**/*.test.ts', 'test/workers/**/*.test.ts'],
          globalSetup: ['test/setup/fake-provider.global.ts'],
          setupFiles: ['test/setup/apply-migrations.ts'],
        },
      },
      {
        // Real HTTP against the Worker in workerd, and the official SDKs as clients.
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/setup/fake-provider.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
