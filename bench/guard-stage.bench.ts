/**
 * Per-event cost of the guard stage on a realistic policy (every detector, 20 phrases, 2 regexes)
 * over a 2,000-token stream. A measurement, not a test: workerd's clock stands still during
 * synchronous work, so it runs in Node (the same V8):
 *
 *   node_modules/.bin/esbuild bench/guard-stage.bench.ts --bundle --platform=node --outfile=/tmp/guard-bench.mjs
 *   node /tmp/guard-bench.mjs
 */

import { DETECTOR_NAMES } from '../src/guard/detectors';
import { type GuardPolicyInput, guardPolicySchema } from '../src/guard/policy';
import { createGuardStage } from '../src/pipeline/guard-stage';
import { StageControl } from '../src/pipeline/stage';
import type { StreamEvent } from '../src/stream/events';

const PHRASES = [
  'launch codes',
  'internal only',
  'confidential',
  'do not share',
  'password',
  'social security',
  'kill switch',
  'root access',
  'private key',
  'master key',
  'wire transfer',
  'bank login',
  'jailbreak',
  'ignore previous instructions',
  'system prompt',
  'credit score',
  'home address',
  'date of birth',
  'secret project',
  'salary',
];

const DETECTORS_ONLY: GuardPolicyInput['rules'] = DETECTOR_NAMES.map((detector) => ({
  id: detector,
  kind: 'detector',
  detector,
  action: 'redact',
}));
const PHRASE_RULE: GuardPolicyInput['rules'][number] = {
  id: 'words',
  kind: 'phrase',
  phrases: PHRASES,
  action: 'flag',
};
const REGEXES: GuardPolicyInput['rules'] = [
  { id: 'ticket', kind: 'regex', pattern: 'TICKET-\\d{4,8}', maxLength: 15, action: 'redact' },
  { id: 'employee', kind: 'regex', pattern: '\\bEMP\\d{6}\\b', maxLength: 10, action: 'redact' },
];

const PROSE =
  'The deployment finished at noon and the dashboards look healthy. Our team reviewed the ' +
  'metrics, compared them with last week, and found latency down by eight percent. ';
const SPICE = [
  'Reach jane.doe@example.com for access. ',
  'Call +1 (415) 555-2671 after lunch. ',
  'The card 4111 1111 1111 1111 was declined. ',
  'Server 10.20.30.40 answered slowly. ',
  'Key sk-proj-abcdefghijklmnopqrstuvwx leaked. ',
  'It is confidential, TICKET-123456. ',
];

/** About 2,000 tokens of 4 characters, as an LLM streams them. */
function tokens(text: string): string[] {
  return text.slice(0, 8000).match(/.{1,4}/gs) ?? [];
}

const prose = () => {
  let text = '';
  for (let i = 0; text.length < 8000; i++) text += PROSE + (SPICE[i % SPICE.length] as string);
  return text;
};

/** No spaces for 8,000 characters: every detector that reads base64-like runs stays undecided longest. */
const blob = () => {
  let text = '';
  for (let i = 0; text.length < 8000; i++) text += btoa(String(i * 7919)).replace(/=/g, '');
  return text;
};

function measure(label: string, rules: GuardPolicyInput['rules'], text = prose()) {
  const factory = createGuardStage(guardPolicySchema.parse({ rules }));
  const events: StreamEvent[] = tokens(text).map((token) => ({ type: 'text', text: token }));
  let maxHeld = 0;
  const emit = () => {};
  const once = () => {
    const stage = factory(new StageControl());
    for (const event of events) {
      stage.onEvent(event, emit);
      if (stage.held > maxHeld) maxHeld = stage.held;
    }
    stage.onEnd?.(emit);
  };
  for (let i = 0; i < 50; i++) once();
  // The best of several rounds: other work on the machine only ever adds time.
  const rounds: number[] = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < 40; i++) once();
    rounds.push(((performance.now() - started) * 1000) / (40 * events.length));
  }
  rounds.sort((a, b) => a - b);
  const best = (rounds[0] as number).toFixed(2);
  const median = (rounds[3] as number).toFixed(2);
  console.log(
    `${label.padEnd(44)} best ${best} µs/event, median ${median} (window ${factory.window}, held ≤ ${maxHeld})`,
  );
}

const FULL = [...DETECTORS_ONLY, PHRASE_RULE, ...REGEXES];
measure('detectors + 20 phrases + 2 regexes', FULL);
measure('detectors + 20 phrases', [...DETECTORS_ONLY, PHRASE_RULE]);
measure('20 phrases', [PHRASE_RULE]);
measure('no rules (stage overhead)', []);
measure('detectors + 20 phrases + 2 regexes, base64', FULL, blob());
