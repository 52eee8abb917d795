import { describe, expect, it } from 'vitest';
import { fitRecord, MAX_RECORD_BYTES } from './record-size';
import type { RequestLogRecord } from './request-log';

const base: RequestLogRecord = {
  requestId: 'r1',
  ts: 1,
  keyId: 'key_a',
  route: '/v1/chat/completions',
  model: 'sim/fast',
  stream: true,
  status: 200,
  outcome: 'ok',
  attempts: [],
  retries: 0,
  fallbacks: 0,
  tokens: { input: 3, output: 9, estimated: false },
  durationMs: 5,
};
const bytes = (record: RequestLogRecord) => new TextEncoder().encode(JSON.stringify(record)).length;

describe('fitRecord: a record too large for the Queue is cut down, never dropped', () => {
  it('leaves a record that fits as it is', () => {
    expect(fitRecord(base)).toBe(base);
  });

  it('cuts the completion, then the prompt, multibyte text included', () => {
    const completion = 'é'.repeat(100_000);
    const fitted = fitRecord({ ...base, completion, prompt: 'p'.repeat(50_000) });
    expect(bytes(fitted)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(fitted.recordTruncated).toBe(true);
    expect(completion.startsWith(fitted.completion ?? 'x')).toBe(true);
    expect(fitted).toMatchObject({ requestId: 'r1', tokens: base.tokens, status: 200 });
  });

  it('keeps the fields every record has when the rest is still too large', () => {
    const guard = Array.from({ length: 20_000 }, (_, i) => ({ rule: `rule-${i}`, action: 'redact' as const }));
    const fitted = fitRecord({ ...base, guard });
    expect(bytes(fitted)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(fitted).toMatchObject({ requestId: 'r1', keyId: 'key_a', outcome: 'ok', recordTruncated: true });
    expect(fitted.guard).toBeUndefined();
  });
});
