import { describe, expect, it } from 'vitest';
import { DETECTORS } from './detectors';
import { guardPolicySchema, MAX_GUARD_WINDOW } from './policy';

const messages = (input: unknown) =>
  guardPolicySchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('guardPolicySchema', () => {
  it('compiles regexes once and computes the window as the widest rule reach', () => {
    const policy = guardPolicySchema.parse({
      rules: [
        { id: 'words', kind: 'phrase', phrases: ['secret', 'top secret plan'], action: 'block' },
        { id: 'ticket', kind: 'regex', pattern: 'TICKET-\\d{4,6}', flags: 'i', maxLength: 13, action: 'redact' },
        { id: 'ip', kind: 'detector', detector: 'ip_address', action: 'flag' },
      ],
    });
    const [words, ticket] = policy.rules;
    expect(words).toMatchObject({ caseSensitive: false, reach: 15, label: 'words' });
    expect(ticket?.kind === 'regex' && ticket.regex.flags).toBe('iy');
    expect(policy.rules[2]).toMatchObject({ reach: DETECTORS.ip_address.reach, label: 'ip_address' });
    expect(policy.window).toBe(DETECTORS.ip_address.reach);
    expect(guardPolicySchema.parse({ rules: [] }).window).toBe(0);
  });

  it('rejects regexes that do not compile, match empty strings, or set flags the guard owns', () => {
    const regex = (pattern: string, flags?: string) => ({
      rules: [{ id: 'r', kind: 'regex', pattern, flags, maxLength: 10, action: 'redact' }],
    });
    expect(messages(regex('(unclosed'))[0]).toMatch(/^rules\.0\.pattern: is not a valid regular expression/);
    for (const empty of ['a*', '\\b', '(?=a)', 'x?|y'])
      expect(messages(regex(empty)), empty).toEqual(['rules.0.pattern: can match an empty string']);
    expect(messages(regex('a', 'g'))).toEqual([
      'rules.0.flags: may hold only i, m, s, u and v: the guard sets the others',
    ]);
  });

  it('bounds the window and holds rules to a declared one', () => {
    const long = { id: 'long', kind: 'phrase', phrases: ['x'.repeat(MAX_GUARD_WINDOW + 1)], action: 'block' };
    expect(messages({ rules: [long] })[0]).toMatch(/^rules\.0\.phrases\.0: /);
    const email = { id: 'mail', kind: 'detector', detector: 'email', action: 'redact' };
    expect(messages({ rules: [email], window: 64 })).toEqual([
      `window: is 64, but rule 'mail' needs ${DETECTORS.email.reach} characters`,
    ]);
    expect(messages({ rules: [email], window: DETECTORS.email.reach })).toEqual([]);
  });

  it('rejects duplicate ids, unknown kinds and detectors, and odd ids', () => {
    const rule = { id: 'a', kind: 'phrase', phrases: ['x'], action: 'flag' };
    expect(messages({ rules: [rule, rule] })).toEqual(['rules.1.id: is used twice']);
    expect(messages({ rules: [{ ...rule, kind: 'sql' }] })[0]).toMatch(/^rules\.0\.kind: /);
    expect(messages({ rules: [{ id: 'd', kind: 'detector', detector: 'ssn', action: 'flag' }] })[0]).toMatch(
      /^rules\.0\.detector: /,
    );
    expect(messages({ rules: [{ ...rule, id: 'has space' }] })[0]).toMatch(/^rules\.0\.id: must be 1-64/);
    expect(messages({ rules: [{ ...rule, phrases: [''] }] })[0]).toMatch(/^rules\.0\.phrases\.0: /);
  });
});
