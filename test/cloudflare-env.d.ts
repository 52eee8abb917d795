// The bindings wrangler.jsonc's env.dev gives the test Worker, as `env` from cloudflare:test sees them.
declare namespace Cloudflare {
  interface Env {
    LOGS_DB: D1Database;
    LOG_QUEUE: Queue;
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
  }
}
