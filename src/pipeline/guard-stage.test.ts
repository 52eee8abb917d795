import { describe, expect, it } from 'vitest';
import { type GuardPolicyInput, guardPolicySchema } from '../guard/policy';
import type { StreamEvent } from '../stream/events';
import { createGuardStage, type GuardStage, type GuardStageFactory } from './guard-stage';
import { StageControl } from './stage';

const POLICY = guardPolicySchema.parse({
  rules: [
    { id: 'mail', kind: 'detector', detector: 'email', action: 'redact' },
    { id: 'key', kind: 'detector', detector: 'api_key', action: 'redact' },
    { id: 'stop', kind: 'phrase', phrases: ['launch codes'], action: 'block' },
    { id: 'watch', kind: 'phrase', phrases: ['secret plan'], action: 'flag' },
  ],
} satisfies GuardPolicyInput);

const text = (value: string): StreamEvent => ({ type: 'text', text: value });
const finish: StreamEvent = { type: 'finish', reason: 'stop' };

function run(factory: GuardStageFactory, events: StreamEvent[], afterEvent?: (stage: GuardStage) => void) {
  const control = new StageControl();
  const stage = factory(control);
  const out: StreamEvent[] = [];
  const emit = (event: StreamEvent) => out.push(event);
  for (const event of events) {
    stage.onEvent(event, emit);
    afterEvent?.(stage);
  }
  stage.onEnd?.(emit);
  return { out, control, stage };
}

/** Adjacent text deltas joined: how they were cut is not part of what the client reads. */
function joined(events: StreamEvent[]): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (const event of events) {
    const last = out.at(-1);
    if ((event.type === 'text' || event.type === 'reasoning') && last?.type === event.type)
      out[out.length - 1] = { type: event.type, text: last.text + event.text };
    else out.push(event);
  }
  return out;
}

describe('createGuardStage', () => {
  const guard = createGuardStage(POLICY);

  it('declares its window on the factory and on each stage', () => {
    expect(guard.window).toBe(POLICY.window);
    expect(guard(new StageControl()).window).toBe(POLICY.window);
  });

  it('redacts with a typed placeholder after a guard annotation, and records it', () => {
    const { out, control } = run(guard, [{ type: 'start' }, text('mail john@'), text('example.com now'), finish]);
    expect(joined(out)).toEqual([
      { type: 'start' },
      text('mail '),
      { type: 'guard', action: 'redact', rule: 'mail' },
      text('[REDACTED:email] now'),
      finish,
    ]);
    expect(control.records.guard).toEqual([{ rule: 'mail', action: 'redact' }]);
    expect(control.stopped).toBe(false);
  });

  it('blocks: text before the match, the annotation, finish content_filter, stop, then nothing', () => {
    const { out, control } = run(guard, [text('the launch co'), text('des are 0000'), text(' more'), finish]);
    expect(joined(out)).toEqual([
      text('the '),
      { type: 'guard', action: 'block', rule: 'stop' },
      { type: 'finish', reason: 'content_filter' },
    ]);
    expect(control.stopped).toBe(true);
    expect(control.records.guard).toEqual([{ rule: 'stop', action: 'block' }]);
  });

  it('flags without changing the text', () => {
    const { out, control } = run(guard, [text('our secret plan is'), text(' simple'), finish]);
    expect(joined(out)).toEqual([
      text('our '),
      { type: 'guard', action: 'flag', rule: 'watch' },
      text('secret plan is simple'),
      finish,
    ]);
    expect(control.records.guard).toEqual([{ rule: 'watch', action: 'flag' }]);
  });

  it('releases held text before any other event, and matches nothing across one', () => {
    const tool: StreamEvent = { type: 'tool-call-start', index: 0, id: 'call_1', name: 'send' };
    const { out } = run(guard, [text('to john@example.com'), tool, text('.com and launch'), finish]);
    expect(joined(out)).toEqual([
      text('to '),
      { type: 'guard', action: 'redact', rule: 'mail' },
      text('[REDACTED:email]'),
      tool,
      text('.com and launch'),
      finish,
    ]);
  });

  it('forwards upstream extras at once without releasing held text: a match still spans them', () => {
    const extra: StreamEvent = {
      type: 'upstream-extra',
      dialect: 'openai',
      choices: [{ index: 0, fields: { logprobs: { content: [] } } }],
    };
    const { out } = run(guard, [text('mail john@'), extra, text('example.com now'), finish]);
    expect(joined(out)).toEqual([
      text('mail '),
      extra,
      { type: 'guard', action: 'redact', rule: 'mail' },
      text('[REDACTED:email] now'),
      finish,
    ]);
  });

  it('releases held text before an extra that opens a block of its own, so the text stays in its block', () => {
    const reasoning = (value: string): StreamEvent => ({ type: 'reasoning', text: value });
    const signature: StreamEvent = {
      type: 'upstream-extra',
      dialect: 'anthropic',
      event: { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 's' } },
    };
    const block: StreamEvent = {
      type: 'upstream-extra',
      dialect: 'anthropic',
      event: { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'd' } },
      boundary: true,
    };
    const { out } = run(guard, [reasoning('the launch'), signature, block, text('ok'), finish]);
    expect(out).toEqual([reasoning('the '), signature, reasoning('launch'), block, text('ok'), finish]);
  });

  it('guards a refusal as its own text, in refusal events', () => {
    const { out } = run(guard, [{ type: 'refusal', text: 'No: mail john@example.com' }, finish]);
    expect(joined(out).filter((event) => event.type === 'refusal')).toEqual([
      { type: 'refusal', text: 'No: mail ' },
      { type: 'refusal', text: '[REDACTED:email]' },
    ]);
  });

  it('guards reasoning as its own text, in reasoning events', () => {
    const { out } = run(guard, [
      { type: 'reasoning', text: 'key is sk-proj-abcdefghijklmnop' },
      { type: 'reasoning', text: 'qrstuvwx' },
      text('launch'),
      text(' codes'),
    ]);
    expect(joined(out)).toEqual([
      { type: 'reasoning', text: 'key is ' },
      { type: 'guard', action: 'redact', rule: 'key' },
      { type: 'reasoning', text: '[REDACTED:api_key]' },
      { type: 'guard', action: 'block', rule: 'stop' },
      { type: 'finish', reason: 'content_filter' },
    ]);
  });

  it('emits the same events for every way of splitting the text into deltas', () => {
    const full =
      'Hi 😀 write to ops@example.org, 密码 sk-ant-api03-abcdefghijklmnopqrst; our secret plan 😀 works. ' +
      'Never say the launch codes.';
    const events = (pieces: string[]) => [{ type: 'start' } as StreamEvent, ...pieces.map(text), finish];
    const whole = joined(run(guard, events([full])).out);
    expect(
      whole.filter((event) => event.type === 'guard').map((event) => event.type === 'guard' && event.action),
    ).toEqual(['redact', 'redact', 'flag', 'block']);
    for (let i = 0; i <= full.length; i++) {
      expect(joined(run(guard, events([full.slice(0, i), full.slice(i)])).out)).toEqual(whole);
    }
    expect(joined(run(guard, events(full.split(''))).out)).toEqual(whole);
    expect(joined(run(guard, events(Array.from(full))).out)).toEqual(whole);
  });

  it('holds less than its window, and nothing that cannot start a match', () => {
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(3);
    const mail = `${'x'.repeat(60)}@${'example.'.repeat(20)}com`;
    run(guard, Array.from(`${prose} ${mail} end`, text), (stage) => expect(stage.held).toBeLessThan(guard.window));
    // In prose, each word waits only for the character after it (it could be an email's local part).
    const emitted: string[] = [];
    const stage = guard(new StageControl());
    for (const word of prose.split(/(?<= )/)) {
      stage.onEvent(text(word), (event) => emitted.push(event.type === 'text' ? event.text : event.type));
      expect(stage.held).toBe(0);
    }
    expect(emitted.join('')).toBe(prose);
  });
});
