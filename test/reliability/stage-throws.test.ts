import { describe, expect, it } from 'vitest';
import { settingsFor } from '../../src/config/settings';
import { createAnthropicSseEncoder } from '../../src/encoders/anthropic-sse';
import type { Encoder } from '../../src/encoders/encoder';
import { createOpenAISseEncoder } from '../../src/encoders/openai-sse';
import { Observation } from '../../src/observe/observation';
import { createObserveStage } from '../../src/observe/observe-stage';
import { relayStream } from '../../src/pipeline/relay-stream';
import { type Stage, StageControl } from '../../src/pipeline/stage';
import type { PumpOutcome } from '../../src/pipeline/upstream-pump';
import { registryFor } from '../../src/providers/registry';
import { type AttemptRecord, connect } from '../../src/routing/connect';
import { resolveTargets } from '../../src/routing/resolve-targets';
import { uniqueId, untilHungUp } from '../support/fake-control';
import { chat, fakeEnv } from '../workers/gateway';
import { hasDone, local, parseSse, readFor, textOf } from './support';

/** A stage that throws on its `n`-th text event (1-based). */
function throwingStage(n: number): Stage {
  let seen = 0;
  return {
    name: 'explodes',
    onEvent(event, emit) {
      if (event.type === 'text' && ++seen === n) throw new Error('stage bug: secret internals');
      emit(event);
    },
  };
}

interface Done {
  outcome: PumpOutcome;
  error: unknown;
  calls: number;
}

/**
 * The real relay over a real upstream (the fake provider through the `local` adapter and
 * connect()), with a stage that throws: what serveChat runs, minus the route, so the stage list
 * can hold a faulty stage. `onDone` is what feeds the request's log record.
 */
async function relayWith(model: string, stage: Stage, encoder: Encoder) {
  const env = fakeEnv();
  const settings = settingsFor(env);
  const attempts: AttemptRecord[] = [];
  const connection = await connect({
    registry: registryFor(env),
    targets: resolveTargets(model, settings),
    request: chat(model, { stream: true }) as any,
    clientSignal: new AbortController().signal,
    firstByteTimeoutMs: 5000,
    retry: { maxRetries: 0, baseDelayMs: 10 },
    attempts,
  });
  const observation = new Observation(false);
  const done: Done = { outcome: 'finished', error: undefined, calls: 0 };
  const pending: Promise<unknown>[] = [];
  const body = relayStream(
    connection,
    {
      stages: [stage, createObserveStage(observation, { emitMetrics: false, receivedAt: Date.now() })],
      control: new StageControl(),
      encoder,
      idleTimeoutMs: 10_000,
      onDone(outcome, _stats, error) {
        done.outcome = outcome;
        done.error = error;
        done.calls++;
      },
    },
    (promise) => pending.push(promise),
  );
  return { body, done, pending };
}

const meta = { id: 'chatcmpl-test', model: 'm', created: 0 };

describe('a stage that throws', () => {
  it('mid-stream (OpenAI client): an internal error event, the stream closes, the upstream is aborted, gateway_error', async () => {
    const id = uniqueId('rel-stage-throw');
    const { body, done } = await relayWith(
      local({ id, tokens: 100, gap: 20 }),
      throwingStage(3),
      createOpenAISseEncoder(meta, false),
    );
    const read = await readFor(body, 5000);
    expect(read.ended).toBe(true);
    const frames = parseSse(read.text);
    expect(textOf(frames)).toBe('tok0 tok1 ');
    // Our failure, said as ours: not blamed on the provider, and no internals in the message.
    expect(frames.at(-1)?.json?.error).toMatchObject({ type: 'server_error', code: 'internal_error' });
    expect(read.text).not.toContain('secret internals');
    expect(hasDone(frames)).toBe(false);
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    expect(done).toMatchObject({ outcome: 'gateway_error', calls: 1 });
  });

  it('mid-stream (Anthropic client): an `event: error` in Anthropic format, no message_stop, upstream aborted', async () => {
    const id = uniqueId('rel-stage-throw-anth');
    const { body, done } = await relayWith(
      local({ id, tokens: 100, gap: 20 }),
      throwingStage(2),
      createAnthropicSseEncoder(meta),
    );
    const read = await readFor(body, 5000);
    expect(read.ended).toBe(true);
    const frames = parseSse(read.text);
    expect(frames.at(-1)?.event).toBe('error');
    expect(frames.at(-1)?.json).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(frames.some((frame) => frame.event === 'message_stop')).toBe(false);
    expect(read.text).not.toContain('secret internals');
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    expect(done).toMatchObject({ outcome: 'gateway_error', calls: 1 });
  });

  it('on the very first content event (read while connecting): the same, and the upstream is still aborted', async () => {
    const id = uniqueId('rel-stage-throw-first');
    const { body, done } = await relayWith(
      local({ id, tokens: 100, gap: 20 }),
      throwingStage(1),
      createOpenAISseEncoder(meta, false),
    );
    const read = await readFor(body, 5000);
    expect(read.ended).toBe(true);
    const frames = parseSse(read.text);
    expect(textOf(frames)).toBe('');
    expect(frames.at(-1)?.json?.error?.code).toBe('internal_error');
    expect(await untilHungUp(id)).toMatchObject({ hungUp: 1, completed: 0 });
    expect(done).toMatchObject({ outcome: 'gateway_error', calls: 1 });
  });

  it('in onEnd, after the provider finished: an error event instead of [DONE], not a torn connection', async () => {
    const id = uniqueId('rel-stage-throw-end');
    const stage: Stage = {
      name: 'explodes-at-end',
      onEvent: (event, emit) => emit(event),
      onEnd() {
        throw new Error('stage bug at the end');
      },
    };
    const { body, done } = await relayWith(local({ id, tokens: 3 }), stage, createOpenAISseEncoder(meta, false));
    const read = await readFor(body, 5000);
    expect(read.ended).toBe(true);
    const frames = parseSse(read.text);
    expect(textOf(frames)).toBe('tok0 tok1 tok2 ');
    expect(frames.at(-1)?.json?.error?.code).toBe('internal_error');
    expect(hasDone(frames)).toBe(false);
    expect(done).toMatchObject({ outcome: 'gateway_error', calls: 1 });
  });
});
