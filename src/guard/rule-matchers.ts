import { type DetectorSpec, nextDetection, undecidedFrom } from './detector-spec';
import { type RuleMatcher, type ScanResult, setResult } from './scan-result';

/** A detector over a growing text: its `partial` pattern says which tail positions are undecided. */
export class DetectorMatcher implements RuleMatcher {
  constructor(
    private readonly spec: DetectorSpec,
    private readonly rule: number,
  ) {}

  scan(text: string, base: number, from: number, final: boolean, out: ScanResult): void {
    const span = nextDetection(this.spec, text, from - base);
    const undecided = final ? undefined : undecidedFrom(this.spec, text, from - base);
    if (undecided !== undefined && (!span || undecided <= span.start)) {
      setResult(out, 'pending', base + undecided);
      return;
    }
    if (span) {
      setResult(out, 'match', base + span.start, base + span.end, this.rule);
      return;
    }
    setResult(out, 'none', base + text.length);
  }
}

/**
 * An operator's regex, tried at each position against a view of one character before it and
 * `maxLength` from it, so what it matches depends on nothing further. A regex cannot say whether
 * a tail could still grow into a match, so the last `maxLength - 1` characters stay undecided.
 */
export class RegexMatcher implements RuleMatcher {
  constructor(
    private readonly regex: RegExp,
    private readonly maxLength: number,
    private readonly rule: number,
  ) {}

  scan(text: string, base: number, from: number, final: boolean, out: ScanResult): void {
    const decided = final ? text.length : text.length - this.maxLength + 1;
    const { regex } = this;
    let i = from - base;
    for (; i < decided; i++) {
      const viewStart = i > 0 ? i - 1 : 0;
      const view = text.slice(viewStart, Math.min(text.length, i + this.maxLength));
      regex.lastIndex = i - viewStart;
      const length = regex.exec(view)?.[0].length;
      // A pattern that matches empty somewhere the schema's probes missed just does not match.
      if (length) {
        setResult(out, 'match', base + i, base + i + length, this.rule);
        return;
      }
    }
    if (i < text.length) {
      setResult(out, 'pending', base + i);
      return;
    }
    setResult(out, 'none', base + text.length);
  }
}
