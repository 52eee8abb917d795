// The bindings wrangler.jsonc's env.dev gives the test Worker, as `env` from cloudflare:test sees them.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    LOG_QUEUE: Queue;
    SESSIONS: DurableObjectNamespace<import('../src/session/session-do').SessionDO>;
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
  }
}
