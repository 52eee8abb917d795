import { env } from 'cloudflare:test';
import { hashKey } from '../../src/auth/api-key';
import { uniqueId } from '../support/fake-control';
import { fakeEnv } from './gateway';

/** Gateway keys in the test D1, and calls made with them, shared by the key test files. */

/** A deployed gateway: no local mode (the tests' `sim` provider stays on, as `SIM_ENABLED` allows). */
export const deployed = (extra: Record<string, unknown> = {}) =>
  fakeEnv({ INSECURE_LOCAL_MODE: undefined, SIM_ENABLED: 'true', ...extra });

export interface KeyOptions {
  models?: string[];
  rpm?: number;
  concurrency?: number;
  budget?: { usd: number; period: 'day' | 'month' };
  expiresAt?: number;
  revoked?: boolean;
}

export async function createKey(options: KeyOptions = {}): Promise<{ id: string; key: string }> {
  const id = uniqueId('key');
  const key = `sk-infe-test-${crypto.randomUUID()}`;
  await env.DB.prepare(
    'INSERT INTO api_keys (id, name, hash, models, rpm, concurrency, budget_usd, budget_period, expires_at, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
    .bind(
      id,
      'test',
      await hashKey(key),
      options.models ? JSON.stringify(options.models) : null,
      options.rpm ?? null,
      options.concurrency ?? null,
      options.budget?.usd ?? null,
      options.budget?.period ?? null,
      options.expiresAt ?? null,
      Date.now(),
      options.revoked ? Date.now() : null,
    )
    .run();
  return { id, key };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}
