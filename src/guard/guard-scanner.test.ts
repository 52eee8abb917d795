import { describe, expect, it } from 'vitest';
import { DETECTOR_NAMES, type DetectorName, detect } from './detectors';
import { GuardScanner, type GuardSink } from './guard-scanner';
import { type GuardPolicy, type GuardPolicyInput, guardPolicySchema } from './policy';

const policyOf = (rules: GuardPolicyInput['rules']) => guardPolicySchema.parse({ rules });

const detectorRule = (detector: DetectorName, action: 'redact' | 'flag' = 'redact') =>
  ({ id: `pii.${detector}`, kind: 'detector', detector, action }) as const;

/** Every detector, phrases in both cases, two regexes and a flag: what the stage meets in production. */
const FULL = policyOf([
  ...DETECTOR_NAMES.map((name) => detectorRule(name)),
  { id: 'words', kind: 'phrase', phrases: ['secret', 'secret plan', 'plan', '秘密', 'ΣΟΦΙΑ'], action: 'redact' },
  { id: 'Exact', kind: 'phrase', phrases: ['CamelCase'], caseSensitive: true, action: 'redact' },
  { id: 'order', kind: 'regex', pattern: 'order #\\d{4,8}', maxLength: 15, action: 'redact' },
  { id: 'proj', kind: 'regex', pattern: '\\bproj-[a-z]+', flags: 'i', maxLength: 20, action: 'redact' },
  { id: 'watch', kind: 'phrase', phrases: ['john', 'example'], action: 'flag' },
]);

const BLOCKING = policyOf([
  detectorRule('email'),
  { id: 'stop', kind: 'phrase', phrases: ['launch codes'], action: 'block' },
  { id: 'watch', kind: 'phrase', phrases: ['code'], action: 'flag' },
]);

const CORPUS = [
  'Contact john.doe@example.com or +44 20 7946 0958. Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00; ' +
    'host 192.168.0.1 and fe80::1; key sk-proj-abcdefghijklmnopqrstuvwx. The secret plan: order #12345 for PROJ-alpha!',
  '😀 mail 😀john@example.com😀 密码是秘密，ΣΟΦΙΑ σοφια camelcase CamelCase 🇺🇸 ip 10.0.0.1😀 Bearer abcdefghijklmnopqrstuvwx',
  'Say the code, then the launch codes are 0000; write to ops@example.org after.',
];

/** Items each detector must find, pieces of them, and what sits next to them in real text. */
const FRAGMENTS: Record<DetectorName, readonly string[]> = {
  email: ['john.doe@example.com', 'a@b.io', 'x@y', '@', '.', ' ', 'john', 'example.com', '..', '-', 'co.uk', '+tag'],
  phone: ['+44 20 7946 0958', '(415) 555-2671', '415.555.2671', '1-800-555-0199', '+1', ' ', '-', '.', '555', '(', ')'],
  payment_card: [
    '4111 1111 1111 1111',
    '4111111111111111',
    '5555-5555-5555-4444',
    '378282246310005',
    ' ',
    '-',
    '1',
    '.',
  ],
  iban: [
    'DE89 3704 0044 0532 0130 00',
    'GB82WEST12345698765432',
    'FR14 2004 1010 0505 0001 3M02 606',
    'DE89',
    ' ',
    'EUR',
  ],
  ip_address: [
    '192.168.1.1',
    '10.0.0.1',
    '::1',
    'fe80::1',
    '2001:db8::8a2e:370:7334',
    '::ffff:10.1.2.3',
    '.',
    ':',
    '1',
  ],
  api_key: [
    'sk-proj-abcdefghijklmnopqrstuvwx',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'AKIAIOSFODNN7EXAMPLE',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig',
    'Bearer abcdefghijklmnopqrstuvwx',
    'sk-',
    '-',
    ' ',
    'eyJ',
  ],
};

/** The output as one string, actions inline, so one comparison covers text, actions and their order. */
function run(policy: GuardPolicy, pieces: Iterable<string>, afterPush?: (scanner: GuardScanner) => void): string {
  const scanner = new GuardScanner(policy);
  let out = '';
  const sink: GuardSink = {
    text: (text) => {
      out += text;
    },
    action: (rule) => {
      out += `⟦${rule.id}:${rule.action}⟧`;
    },
  };
  for (const piece of pieces) {
    scanner.push(piece, sink);
    afterPush?.(scanner);
  }
  scanner.end(sink);
  return out;
}

/** Cut in two at every UTF-16 unit, one unit at a time, and one code point at a time. */
function* everySplit(text: string): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) yield [text.slice(0, i), text.slice(i)];
  yield text.split('');
  yield Array.from(text);
}

/** Deterministic, so a failure names a reproducible case. */
function random(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % below) as number;
  };
}

function randomPieces(text: string, next: (below: number) => number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + next(6);
    pieces.push(text.slice(i, i + size));
    i += size;
  }
  return pieces;
}

describe('GuardScanner semantics', () => {
  it('takes the earliest match, then the longest, then the rule listed first', () => {
    const policy = policyOf([
      { id: 'short', kind: 'phrase', phrases: ['plan', 'secret'], action: 'redact' },
      { id: 'long', kind: 'phrase', phrases: ['secret plan'], action: 'redact' },
      { id: 'same', kind: 'phrase', phrases: ['plan'], action: 'redact' },
    ]);
    expect(run(policy, ['the secret plan, a plan'])).toBe(
      'the ⟦long:redact⟧[REDACTED:long], a ⟦short:redact⟧[REDACTED:short]',
    );
    expect(
      run(policyOf([detectorRule('email'), { id: 'ex', kind: 'phrase', phrases: ['example'], action: 'redact' }]), [
        'x john@example.com',
      ]),
    ).toBe('x ⟦pii.email:redact⟧[REDACTED:email]');
  });

  it('flags annotate without consuming: a flagged word inside a secret does not shield it', () => {
    const policy = policyOf([detectorRule('email'), { id: 'name', kind: 'phrase', phrases: ['doe'], action: 'flag' }]);
    expect(run(policy, ['hi doe, mail john.doe@example.com'])).toBe(
      'hi ⟦name:flag⟧doe, mail ⟦pii.email:redact⟧[REDACTED:email]⟦name:flag⟧',
    );
  });

  it('a block releases the text before the match and nothing after', () => {
    expect(run(BLOCKING, ['Say the code, then ', 'launch codes ', 'now', ' and more'])).toBe(
      'Say the ⟦watch:flag⟧code, then ⟦stop:block⟧',
    );
  });

  it('folds case per UTF-16 unit unless the rule is case-sensitive', () => {
    expect(run(FULL, ['SECRET σοφια camelcase CamelCase'])).toBe(
      '⟦words:redact⟧[REDACTED:words] ⟦words:redact⟧[REDACTED:words] camelcase ⟦Exact:redact⟧[REDACTED:Exact]',
    );
  });

  it('matches a regex rule against at most maxLength characters', () => {
    const policy = policyOf([{ id: 'digits', kind: 'regex', pattern: '\\d+', maxLength: 4, action: 'redact' }]);
    expect(run(policy, ['a 1234567 b'])).toBe('a ⟦digits:redact⟧[REDACTED:digits]⟦digits:redact⟧[REDACTED:digits] b');
  });

  it('agrees with the pure detectors on a whole text', () => {
    for (const name of DETECTOR_NAMES) {
      const text = CORPUS.join(' ');
      let expected = '';
      let at = 0;
      for (const match of detect(name, text)) {
        expected += `${text.slice(at, match.start)}⟦pii.${name}:redact⟧[REDACTED:${name}]`;
        at = match.end;
      }
      expect(run(policyOf([detectorRule(name)]), [text]), name).toBe(expected + text.slice(at));
    }
  });
});

describe('GuardScanner split invariance', () => {
  it('gives the same output for every split of the corpus, multi-byte text included', () => {
    for (const policy of [FULL, BLOCKING]) {
      for (const text of CORPUS) {
        const whole = run(policy, [text]);
        for (const pieces of everySplit(text)) expect(run(policy, pieces)).toBe(whole);
      }
    }
  });

  it('gives the same output for random splits of texts assembled from items, cut items and separators', () => {
    const next = random(42);
    const assemble = (fragments: readonly string[]) => {
      let text = '';
      for (let i = next(9); i > 0; i--) {
        const fragment = fragments[next(fragments.length)] as string;
        text += next(3) === 0 ? fragment.slice(0, next(fragment.length + 1)) : fragment;
      }
      return text;
    };
    const check = (policy: GuardPolicy, fragments: readonly string[], rounds: number) => {
      let matched = 0;
      for (let round = 0; round < rounds; round++) {
        const text = assemble(fragments);
        const whole = run(policy, [text]);
        if (whole.includes('⟦')) matched++;
        for (let cut = 0; cut < 4; cut++) expect(run(policy, randomPieces(text, next)), text).toBe(whole);
      }
      // The texts must exercise matches, not only their absence.
      expect(matched).toBeGreaterThan(rounds / 10);
    };
    for (const name of DETECTOR_NAMES) check(policyOf([detectorRule(name)]), FRAGMENTS[name], 400);
    check(FULL, [...Object.values(FRAGMENTS).flat(), '😀', '秘密', 'secret pla', 'n', 'order #', '1234'], 400);
  });
});

describe('GuardScanner hold-back', () => {
  it('never holds as much as the window, one character at a time', () => {
    for (const text of CORPUS) {
      run(FULL, text.split(''), (scanner) => expect(scanner.held).toBeLessThan(FULL.window));
    }
  });

  it('releases text that cannot start a match in the same push', () => {
    const policy = policyOf([
      detectorRule('email'),
      { id: 'plan', kind: 'phrase', phrases: ['secret plan'], action: 'block' },
    ]);
    const scanner = new GuardScanner(policy);
    let out = '';
    const sink: GuardSink = {
      text: (text) => {
        out += text;
      },
      action: () => {},
    };
    const held = (piece: string) => {
      scanner.push(piece, sink);
      return scanner.held;
    };
    expect(held('Reach me, ')).toBe(0);
    expect(held('the sec')).toBe(3);
    expect(held('rets ')).toBe(0);
    expect(held('at john')).toBe(4);
    expect(held('@example.com')).toBe(16);
    expect(held('!')).toBe(0);
    expect(out).toBe('Reach me, the secrets at [REDACTED:email]!');
  });

  it('holds maxLength - 1 characters for a regex rule, which cannot say what could still match', () => {
    const policy = policyOf([
      { id: 'order', kind: 'regex', pattern: 'order #\\d{4,8}', maxLength: 15, action: 'redact' },
    ]);
    run(policy, ['a'.repeat(40)], (scanner) => expect(scanner.held).toBe(14));
  });
});
