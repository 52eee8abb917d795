import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { RequestRecorder } from './request-record';

const recorder = (logPayloads = false) =>
  new RequestRecorder({
    requestId: 'r1',
    receivedAt: 1_000,
    keyId: null,
    route: '/v1/chat/completions',
    model: 'alias',
    stream: true,
    logPayloads,
  });

describe('RequestRecorder: the one log-record builder', () => {
  it('reports the input guard and the stages from their typed records', () => {
    const r = recorder();
    r.inputActions = [{ rule: 'pii', action: 'redact' }];
    r.control.record('guard', { rule: 'codename', action: 'flag' });
    r.control.record('structured', {
      valid: false,
      stoppedEarly: false,
      errors: ['$: x'],
      checked: ['response_format'],
    });
    r.control.record('structured', { valid: true, stoppedEarly: false, errors: [], checked: ['response_format'] });
    r.control.record('moderation', { action: 'fail_open', reason: 'timeout' });
    const record = r.streamed('finished', { firstContentAt: 1_050, contentEvents: 3 });
    expect(record).toMatchObject({
      status: 200,
      outcome: 'ok',
      guard: [
        { rule: 'pii', action: 'redact' },
        { rule: 'codename', action: 'flag' },
      ],
      structured: { valid: true },
      moderation: [{ action: 'fail_open', reason: 'timeout' }],
      upstreamTtftMs: 50,
    });
  });

  it('leaves out what no stage recorded', () => {
    const record = recorder().streamed('finished', { contentEvents: 0 });
    expect(record.guard).toBeUndefined();
    expect(record.structured).toBeUndefined();
    expect(record.moderation).toBeUndefined();
  });

  it('a stream a guard or moderation stopped is blocked; one stopped for another reason is ok', () => {
    const guarded = recorder();
    guarded.control.record('guard', { rule: 'x', action: 'block' });
    expect(guarded.streamed('stopped', { contentEvents: 1 }).outcome).toBe('blocked');
    const moderated = recorder();
    moderated.control.record('moderation', { action: 'block', category: null });
    expect(moderated.streamed('stopped', { contentEvents: 1 }).outcome).toBe('blocked');
    expect(recorder().streamed('stopped', { contentEvents: 1 }).outcome).toBe('ok');
  });

  it('takes the provider usage as reported, and otherwise estimates from the relayed text, marked so', () => {
    const reported = recorder();
    reported.observation.see({ type: 'text', text: 'Hello there' }, 1_100);
    reported.observation.see({ type: 'usage', usage: { inputTokens: 7, outputTokens: 2 } }, 1_120);
    expect(reported.streamed('finished', { contentEvents: 1 }).tokens).toEqual({
      input: 7,
      output: 2,
      estimated: false,
    });
    const estimated = recorder();
    estimated.observation.see({ type: 'text', text: 'Hello there' }, 1_100);
    expect(estimated.streamed('finished', { contentEvents: 1 })).toMatchObject({
      tokens: { output: 3, estimated: true },
      clientTtftMs: 100,
    });
  });

  it('names the served target only when a stream ran', () => {
    const r = recorder();
    r.attempts.push(
      { provider: 'a', model: 'm', error: 'upstream_http_500' },
      { provider: 'b', model: 'n', ttftMs: 5 },
    );
    expect(r.streamed('finished', { contentEvents: 1 })).toMatchObject({
      provider: 'b',
      providerModel: 'n',
      fallbacks: 1,
    });
    expect(
      r.failed(new GatewayError(504, 'timeout_error', 'Slow.', { code: 'first_byte_timeout' }), false),
    ).toMatchObject({ provider: undefined, status: 504, outcome: 'timeout', error: 'first_byte_timeout' });
  });

  it('a client that left first is a 499 client_cancelled, whatever the error', () => {
    expect(recorder().failed(new Error('aborted'), true)).toMatchObject({ status: 499, outcome: 'client_cancelled' });
  });

  it('keeps the completion only with LOG_PAYLOADS', () => {
    const on = recorder(true);
    on.observation.see({ type: 'text', text: 'Hi' }, 1_010);
    expect(on.streamed('finished', { contentEvents: 1 }).completion).toBe('Hi');
    const off = recorder(false);
    off.observation.see({ type: 'text', text: 'Hi' }, 1_010);
    expect(off.streamed('finished', { contentEvents: 1 }).completion).toBeUndefined();
  });
});
