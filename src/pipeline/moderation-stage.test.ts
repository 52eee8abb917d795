import { describe, expect, it } from 'vitest';
import type { ModerationVerdict, Moderator } from '../guard/moderator';
import type { StreamEvent } from '../stream/events';
import { createModerationStage, type ModerationOptions } from './moderation-stage';
import { composeStages, StageControl } from './stage';

/** A moderator whose verdicts the test hands out, one pending promise per check. */
class ManualModerator implements Moderator {
  readonly calls: Array<{
    text: string;
    signal?: AbortSignal;
    resolve(verdict: ModerationVerdict): void;
    reject(error: unknown): void;
  }> = [];

  check(text: string, signal?: AbortSignal): Promise<ModerationVerdict> {
    return new Promise((resolve, reject) => this.calls.push({ text, signal, resolve, reject }));
  }

  get texts() {
    return this.calls.map((call) => call.text);
  }
}

const text = (value: string): StreamEvent => ({ type: 'text', text: value });
const finish: StreamEvent = { type: 'finish', reason: 'stop' };
const ok = { flagged: false };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The stage as the relay drives it: push, then settle and end once the stream is over. */
function pipeline(options: ModerationOptions = {}) {
  const moderator = new ManualModerator();
  const control = new StageControl();
  const out: StreamEvent[] = [];
  const { push, settle, end } = composeStages([createModerationStage(moderator, options)(control)], (event) =>
    out.push(event),
  );
  const finishStream = async () => {
    await settle();
    end();
  };
  return { moderator, control, out, push, finishStream };
}

describe('createModerationStage', () => {
  it('passes text on at once and checks sentences in parallel', () => {
    const { moderator, out, push } = pipeline({ minChars: 1 });
    push({ type: 'start' });
    push(text('Hello there. How are'));
    expect(out).toEqual([{ type: 'start' }, text('Hello there. How are')]);
    push(text(' you?\nFine! And'));
    expect(out.at(-1)).toEqual(text(' you?\nFine! And'));
    expect(moderator.texts).toEqual(['Hello there.', ' How are you?', '\n', 'Fine!'].filter((s) => s.trim()));
  });

  it('does not cut before minChars and cuts long text at maxChars', () => {
    const { moderator, push } = pipeline({ minChars: 10, maxChars: 30 });
    push(text('e.g. this one. '));
    push(text('x'.repeat(40)));
    expect(moderator.texts).toEqual(['e.g. this one.', ` ${'x'.repeat(29)}`]);
  });

  it('holds only the finish (and what follows it) until the checks are in', async () => {
    const { moderator, out, push, finishStream } = pipeline();
    push(text('A perfectly fine first sentence. And the last bit'));
    push(finish);
    push({ type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } });
    expect(out).toEqual([text('A perfectly fine first sentence. And the last bit')]);
    expect(moderator.texts).toEqual(['A perfectly fine first sentence.', ' And the last bit']);
    const done = finishStream();
    for (const call of moderator.calls) call.resolve(ok);
    await done;
    expect(out.slice(1)).toEqual([finish, { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } }]);
  });

  it('lets the finish straight through when no check is out', async () => {
    const { moderator, out, push } = pipeline();
    push(text('This sentence is short and fine.'));
    push(text('   '));
    moderator.calls[0]?.resolve(ok);
    await tick();
    push(finish);
    expect(out.at(-1)).toEqual(finish);
  });

  it('on a flag: records, stops, drops what follows, then retracts from the flagged sentence', async () => {
    const { moderator, control, out, push, finishStream } = pipeline();
    push(text('This first sentence is fine. The second one is forbidden talk. '));
    push(text('Third sentence goes on'));
    const [first, second] = moderator.calls;
    second?.resolve({ flagged: true, category: 'illicit' });
    await tick();
    expect(control.stopped).toBe(true);
    expect(control.records.moderation).toEqual([{ action: 'block', category: 'illicit' }]);
    push(text(' and on.'));
    push(finish);
    const done = finishStream();
    first?.resolve(ok);
    await done;
    expect(out).toEqual([
      text('This first sentence is fine. The second one is forbidden talk. '),
      text('Third sentence goes on'),
      {
        type: 'retract',
        chars: ' The second one is forbidden talk. Third sentence goes on'.length,
        reason: 'moderation:illicit',
      },
      { type: 'finish', reason: 'content_filter' },
    ]);
  });

  it('retracts from the earliest flagged sentence when verdicts come back out of order', async () => {
    const { moderator, out, push, finishStream } = pipeline();
    push(text('One sentence that is bad. Two sentence that is bad.'));
    const [first, second] = moderator.calls;
    second?.resolve({ flagged: true });
    await tick();
    const done = finishStream();
    first?.resolve({ flagged: true, category: 'hate' });
    await done;
    expect(out.slice(-2)).toEqual([
      {
        type: 'retract',
        chars: 'One sentence that is bad. Two sentence that is bad.'.length,
        reason: 'moderation:hate',
      },
      { type: 'finish', reason: 'content_filter' },
    ]);
  });

  it('checks the unfinished last sentence when the stream is stopped before a finish', async () => {
    const { moderator, push, finishStream } = pipeline();
    push(text('no sentence end here'));
    expect(moderator.calls).toHaveLength(0);
    const done = finishStream();
    expect(moderator.texts).toEqual(['no sentence end here']);
    moderator.calls[0]?.resolve(ok);
    await done;
  });

  it('keeps at most maxInFlight checks out, sending what completed meanwhile as one check', async () => {
    const { moderator, push } = pipeline({ minChars: 1, maxInFlight: 2 });
    push(text('One. Two. Three. Four. Five.'));
    expect(moderator.texts).toEqual(['One.', ' Two.']);
    moderator.calls[0]?.resolve(ok);
    await tick();
    expect(moderator.texts).toEqual(['One.', ' Two.', ' Three. Four. Five.']);
  });

  it('fails open on a moderator error or timeout, and records it', async () => {
    const { moderator, control, out, push, finishStream } = pipeline({ timeoutMs: 20 });
    push(text('The moderator will fail here. And stall here.'));
    push(finish);
    const [failing, stalling] = moderator.calls;
    failing?.reject(new Error('boom'));
    await finishStream();
    expect(stalling?.signal?.aborted).toBe(true);
    expect(control.records.moderation).toEqual([
      { action: 'fail_open', reason: 'error' },
      { action: 'fail_open', reason: 'timeout' },
    ]);
    expect(control.stopped).toBe(false);
    expect(out.at(-1)).toEqual(finish);
  });
});
