import { freshResult, type RuleMatcher, type ScanResult, setResult } from './scan-result';

/**
 * Rules whose matches exclude each other, scanned from a cursor: the earliest match wins, then
 * the longest, then the lowest rule index; a position some rule has not decided yet stops the
 * scan there. Each matcher's last answer is kept: a match stays valid until the cursor passes
 * its start, and positions a matcher already cleared are not scanned again.
 */
export class RuleGroup {
  cursor = 0;
  /** The group's answer after `next`, in the same terms as a single matcher's. */
  readonly result = freshResult();
  private readonly results: ScanResult[];

  constructor(private readonly matchers: readonly RuleMatcher[]) {
    this.results = matchers.map(freshResult);
  }

  next(text: string, base: number, final: boolean): ScanResult {
    let best: ScanResult | undefined;
    for (let i = 0; i < this.matchers.length; i++) {
      const own = this.results[i] as ScanResult;
      if (own.found !== 'match' || own.start < this.cursor) {
        // Everything before `own.start` was cleared by the last scan, whatever came since.
        const from = own.found === 'match' ? this.cursor : Math.max(this.cursor, own.start);
        (this.matchers[i] as RuleMatcher).scan(text, base, from, final, own);
      }
      if (own.found !== 'none' && (!best || wins(own, best))) best = own;
    }
    if (best) setResult(this.result, best.found, best.start, best.end, best.rule);
    else setResult(this.result, 'none', base + text.length);
    return this.result;
  }

  reset(): void {
    this.cursor = 0;
    for (const own of this.results) setResult(own, 'none', 0);
  }
}

function wins(candidate: ScanResult, best: ScanResult): boolean {
  if (candidate.start !== best.start) return candidate.start < best.start;
  if (best.found === 'pending') return false;
  if (candidate.found === 'pending') return true;
  return candidate.end > best.end || (candidate.end === best.end && candidate.rule < best.rule);
}
