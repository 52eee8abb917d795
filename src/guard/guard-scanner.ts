import { DETECTORS } from './detectors';
import { PhraseTrie } from './phrase-trie';
import type { GuardPolicy, GuardRule } from './policy';
import { RuleGroup } from './rule-group';
import { DetectorMatcher, RegexMatcher } from './rule-matchers';
import type { RuleMatcher } from './scan-result';

/** Where a scanner's output goes, in order. */
export interface GuardSink {
  text(text: string): void;
  /** `rule` matched here; a redaction's placeholder follows as text, after a block nothing does. */
  action(rule: GuardRule): void;
}

// Released text is dropped from the buffer in slices of at least this much, not per token.
const TRIM_AT = 256;

interface Plan {
  /** Redact and block rules: their matches replace text, so they exclude each other. */
  consume: RuleMatcher[];
  /** Flag rules only annotate: scanned apart, so a flag never hides a redaction. */
  flag: RuleMatcher[];
}

const plans = new WeakMap<GuardPolicy, Plan>();

/** Tries and matchers are immutable: built once per policy, shared by every stream. */
function planFor(policy: GuardPolicy): Plan {
  let plan = plans.get(policy);
  if (plan) return plan;
  plan = { consume: [], flag: [] };
  const tries = new Map<string, PhraseTrie>();
  policy.rules.forEach((rule, index) => {
    const group = rule.action === 'flag' ? plan.flag : plan.consume;
    if (rule.kind === 'detector') group.push(new DetectorMatcher(DETECTORS[rule.detector], index));
    else if (rule.kind === 'regex') group.push(new RegexMatcher(rule.regex, rule.maxLength, index));
    else {
      const key = `${rule.action === 'flag'}:${rule.caseSensitive}`;
      let trie = tries.get(key);
      if (!trie) {
        trie = new PhraseTrie(rule.caseSensitive);
        tries.set(key, trie);
        group.push(trie);
      }
      for (const phrase of rule.phrases) trie.add(phrase, index);
    }
  });
  plans.set(policy, plan);
  return plan;
}

const placeholder = (rule: GuardRule) => `[REDACTED:${rule.label}]`;

/**
 * Applies a policy to a text that arrives in pieces. Each push releases at once everything no
 * further text can change: matches are applied, and only a tail that could still start a match
 * is held, always fewer characters than the policy's window. The output (text and actions, in
 * order) is the same however the text is split.
 */
export class GuardScanner {
  halted = false;
  private text = '';
  /** Absolute position of `text[0]`. */
  private base = 0;
  /** Everything before this absolute position has gone out, as itself or as a placeholder. */
  private emitted = 0;
  private readonly consume: RuleGroup;
  private readonly flag: RuleGroup;

  constructor(private readonly policy: GuardPolicy) {
    const plan = planFor(policy);
    this.consume = new RuleGroup(plan.consume);
    this.flag = new RuleGroup(plan.flag);
  }

  /** Characters received but not released yet. */
  get held(): number {
    return this.base + this.text.length - this.emitted;
  }

  push(text: string, sink: GuardSink): void {
    if (this.halted || text === '') return;
    this.text += text;
    this.release(false, sink);
  }

  /** The text is complete: decide and release the rest, then start over for a new text. */
  end(sink: GuardSink): void {
    if (this.halted) return;
    this.release(true, sink);
    this.text = '';
    this.base = 0;
    this.emitted = 0;
    this.consume.reset();
    this.flag.reset();
  }

  private release(final: boolean, sink: GuardSink): void {
    const { consume, flag, policy } = this;
    for (;;) {
      const taken = consume.next(this.text, this.base, final);
      const flagged = flag.next(this.text, this.base, final);
      const decidedTo = Math.min(
        taken.found === 'pending' ? taken.start : Number.POSITIVE_INFINITY,
        flagged.found === 'pending' ? flagged.start : Number.POSITIVE_INFINITY,
        this.base + this.text.length,
      );
      if (
        taken.found === 'match' &&
        taken.start < decidedTo &&
        !(flagged.found === 'match' && flagged.start < taken.start)
      ) {
        const rule = policy.rules[taken.rule] as GuardRule;
        this.releaseTo(taken.start, sink);
        sink.action(rule);
        if (rule.action === 'block') {
          this.halted = true;
          return;
        }
        sink.text(placeholder(rule));
        this.emitted = taken.end;
        consume.cursor = taken.end;
        continue;
      }
      if (flagged.found === 'match' && flagged.start < decidedTo) {
        this.releaseTo(flagged.start, sink);
        sink.action(policy.rules[flagged.rule] as GuardRule);
        flag.cursor = flagged.end;
        continue;
      }
      this.releaseTo(decidedTo, sink);
      consume.cursor = Math.max(consume.cursor, this.emitted);
      flag.cursor = Math.max(flag.cursor, decidedTo);
      break;
    }
    // One character before the earliest scan position stays, for the matchers' lookbehind.
    const keep = Math.min(this.emitted, flag.cursor) - 1;
    if (keep - this.base >= TRIM_AT) {
      this.text = this.text.slice(keep - this.base);
      this.base = keep;
    }
  }

  private releaseTo(position: number, sink: GuardSink): void {
    if (position <= this.emitted) return;
    sink.text(this.text.slice(this.emitted - this.base, position - this.base));
    this.emitted = position;
  }
}
