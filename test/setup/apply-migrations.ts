import { applyD1Migrations, env } from 'cloudflare:test';

// The real migrations, applied to the local D1 before each test file (idempotent).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
