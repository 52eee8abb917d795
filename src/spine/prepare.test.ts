import { describe, expect, it } from 'vitest';
import { settingsFor } from '../config/settings';
import { guardPolicySchema } from '../guard/policy';
import type { ChatRequest } from '../schema/chat-request';
import { prepare } from './prepare';
import { RequestRecorder } from './request-record';

const guard = { rules: [{ id: 'codename', kind: 'phrase', phrases: ['falcon'], action: 'redact' }] };
const env = {
  UPSTREAM_MAX_RETRIES: '3',
  UPSTREAM_RETRY_BASE_MS: '7',
  FIRST_BYTE_TIMEOUT_MS: '1234',
  GATEWAY_CONFIG: JSON.stringify({
    aliases: {
      hedged: { targets: ['sim/fast', 'sim/default'], hedge: { after_ms: 50 }, pipeline: { guard } },
      open: { targets: ['sim/fast'], pipeline: { guard, allow_overrides: { disable_guard: true } } },
    },
  }),
};

const request = (model: string, content = 'How is falcon?'): ChatRequest => ({
  model,
  stream: true,
  messages: [{ role: 'user', content }],
});

function prepared(
  model: string,
  extra: { content?: string; sessionGuard?: { rules: (typeof guard)['rules'] | [] } } = {},
) {
  const recorder = new RequestRecorder({
    requestId: 'r',
    receivedAt: 0,
    keyId: null,
    route: 'test',
    model,
    stream: true,
    logPayloads: false,
  });
  const settings = settingsFor(env);
  const result = prepare({
    env,
    settings,
    request: request(model, extra.content),
    recorder,
    waitUntil: () => {},
    guard: extra.sessionGuard && guardPolicySchema.parse(extra.sessionGuard),
  });
  return { result, recorder };
}

describe('prepare: the one preparation', () => {
  it('builds connect options with the alias hedge, the retry policy and the first-byte timeout', () => {
    const { result, recorder } = prepared('hedged');
    expect(result.connectOptions).toMatchObject({
      targets: [
        { providerId: 'sim', model: 'fast' },
        { providerId: 'sim', model: 'default' },
      ],
      hedge: { afterMs: 50, maxParallel: expect.any(Number) },
      retry: { maxRetries: 3, baseDelayMs: 7 },
      firstByteTimeoutMs: 1234,
    });
    // The record sees the same attempts connect appends to.
    expect(result.connectOptions.attempts).toBe(recorder.attempts);
  });

  it('applies the alias pipeline to the prompt and records the input guard', () => {
    const { result, recorder } = prepared('hedged');
    expect(result.request.messages[0]?.content).toBe('How is [REDACTED:codename]?');
    expect(recorder.inputActions).toEqual([{ rule: 'codename', action: 'redact' }]);
  });

  it('a session guard adds to the gateway one, and cannot take its rules away', () => {
    const other = { rules: [{ id: 'greeting', kind: 'phrase', phrases: ['how'], action: 'redact' }] };
    const { result, recorder } = prepared('hedged', { sessionGuard: other });
    expect(result.request.messages[0]?.content).toBe('[REDACTED:greeting] is [REDACTED:codename]?');
    expect(recorder.inputActions).toEqual([
      { rule: 'greeting', action: 'redact' },
      { rule: 'codename', action: 'redact' },
    ]);
    const empty = prepared('hedged', { sessionGuard: { rules: [] } });
    expect(empty.result.request.messages[0]?.content).toBe('How is [REDACTED:codename]?');
  });

  it('a session guard replaces the gateway one only where disable_guard is allowed', () => {
    const other = { rules: [{ id: 'greeting', kind: 'phrase', phrases: ['how'], action: 'redact' }] };
    const { result } = prepared('open', { sessionGuard: other });
    expect(result.request.messages[0]?.content).toBe('[REDACTED:greeting] is falcon?');
  });

  it('without an alias: one target, no hedge', () => {
    const { result } = prepared('sim/fast');
    expect(result.connectOptions.targets).toEqual([{ providerId: 'sim', model: 'fast' }]);
    expect(result.connectOptions.hedge).toBeUndefined();
  });

  it('the stages end with the observer, and their hold times are the record’s', () => {
    const { result, recorder } = prepared('hedged');
    const stages = result.stages({ emitMetrics: false });
    expect(stages.map((stage) => stage.name)).toEqual(['guard', 'observe']);
    expect(Object.keys(recorder.timings)).toEqual(['guard']);
  });

  it('refuses a model that is neither an alias nor provider/model', () => {
    expect(() => prepared('nonsense')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_model' }));
  });
});
