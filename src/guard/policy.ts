import * as z from 'zod';
import { DETECTOR_NAMES, DETECTORS } from './detectors';

/**
 * The most characters any rule may need to see from a match's start to decide it. The guard
 * holds back fewer characters than its policy's window, so this bounds the delay it adds.
 */
export const MAX_GUARD_WINDOW = 512;

const guardActionSchema = z.enum(['redact', 'block', 'flag']);
export type GuardAction = z.infer<typeof guardActionSchema>;

// Rule ids appear in placeholders, annotations and logs: keep them plain.
const ruleId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, _ . : or -');

const phraseRule = z
  .strictObject({
    id: ruleId,
    kind: z.literal('phrase'),
    /** Matched anywhere, inside words too, so a blocked phrase cannot hide in a longer word. */
    phrases: z.array(z.string().min(1).max(MAX_GUARD_WINDOW)).min(1).max(1000),
    caseSensitive: z.boolean().default(false),
    action: guardActionSchema,
  })
  .transform((rule) => ({ ...rule, reach: Math.max(...rule.phrases.map((phrase) => phrase.length)), label: rule.id }));

// Probes for patterns that match empty strings somewhere (`a*`, `\b`, `(?=x)`): such a rule
// would match between every two characters.
const EMPTY_PROBES = ['', 'a A0_-.:/@\n'];

function matchesEmpty(regex: RegExp): boolean {
  for (const probe of EMPTY_PROBES) {
    for (let i = 0; i <= probe.length; i++) {
      regex.lastIndex = i;
      if (regex.exec(probe)?.[0] === '') return true;
    }
  }
  return false;
}

const regexRule = z
  .strictObject({
    id: ruleId,
    kind: z.literal('regex'),
    /**
     * Matched at each position against one character before it and `maxLength` characters from
     * it: the end of that view reads as the end of the text, so a lookahead or `$` at the very
     * end of a longest match sees nothing. Regex rules are for operators: a catastrophic pattern
     * costs CPU on every position.
     */
    pattern: z.string().min(1).max(1000),
    flags: z
      .string()
      .regex(/^[imsuv]*$/, 'may hold only i, m, s, u and v: the guard sets the others')
      .default(''),
    maxLength: z.int().min(1).max(MAX_GUARD_WINDOW),
    action: guardActionSchema,
  })
  .transform((rule, ctx) => {
    let regex: RegExp;
    try {
      regex = new RegExp(rule.pattern, `${rule.flags}y`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `is not a valid regular expression: ${reason}` });
      return z.NEVER;
    }
    if (matchesEmpty(regex)) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'can match an empty string' });
      return z.NEVER;
    }
    return { ...rule, regex, reach: rule.maxLength, label: rule.id };
  });

const detectorRule = z
  .strictObject({
    id: ruleId,
    kind: z.literal('detector'),
    detector: z.enum(DETECTOR_NAMES),
    action: guardActionSchema,
  })
  .transform((rule) => ({ ...rule, reach: DETECTORS[rule.detector].reach, label: rule.detector }));

/**
 * A guard policy. Rules are tried together: at each position the earliest match wins, then the
 * longest, then the rule listed first. `window`, when given, is a budget the rules must fit in.
 */
export const guardPolicySchema = z
  .strictObject({
    rules: z.array(z.discriminatedUnion('kind', [phraseRule, regexRule, detectorRule])).max(200),
    window: z.int().min(1).max(MAX_GUARD_WINDOW).optional(),
  })
  .transform((policy, ctx) => {
    const ids = new Set<string>();
    let widest: { id: string; reach: number } | undefined;
    for (const [index, rule] of policy.rules.entries()) {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: 'is used twice' });
      ids.add(rule.id);
      if (!widest || rule.reach > widest.reach) widest = rule;
    }
    const window = widest?.reach ?? 0;
    if (widest && window > MAX_GUARD_WINDOW) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules'],
        message: `rule '${widest.id}' needs a window of ${window} characters, more than the ${MAX_GUARD_WINDOW} allowed`,
      });
    }
    if (widest && policy.window !== undefined && window > policy.window) {
      ctx.addIssue({
        code: 'custom',
        path: ['window'],
        message: `is ${policy.window}, but rule '${widest.id}' needs ${window} characters`,
      });
    }
    return { rules: policy.rules, window };
  });

export type GuardPolicyInput = z.input<typeof guardPolicySchema>;
/** A validated policy: regexes compiled, each rule's reach known, `window` the largest reach. */
export type GuardPolicy = z.output<typeof guardPolicySchema>;
export type GuardRule = GuardPolicy['rules'][number];
