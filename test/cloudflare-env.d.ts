// Bindings only the test runner adds (vitest.config.ts); the Worker's own come from
// src/worker-configuration.d.ts (`npm run types`).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
  }
}
