import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Consumer {
  queue: string;
  max_retries?: number;
  dead_letter_queue?: string;
}
interface QueuesConfig {
  queues: { consumers: Consumer[] };
}

const config = JSON.parse(
  readFileSync(new URL('../../wrangler.jsonc', import.meta.url), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
) as QueuesConfig & { env: Record<string, QueuesConfig> };

describe('the request-log queue keeps what D1 cannot take', () => {
  it.each([
    ['deployed', config],
    ['env.dev', config.env.dev as QueuesConfig],
  ])('%s: the consumer retries for minutes, then hands records to a dead-letter queue', (_name, section) => {
    const consumer = section.queues.consumers.find((c) => c.queue === 'infe-request-logs');
    expect(consumer?.max_retries).toBeGreaterThanOrEqual(10);
    expect(consumer?.dead_letter_queue).toBe('infe-request-logs-dlq');
  });
});
