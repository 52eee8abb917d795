/**
 * What one rule matcher knows about the text from a position on, written into a record the
 * caller owns so that a scan per token allocates nothing. Positions are absolute: characters
 * since the start of the text, however much of it the caller still keeps.
 */
export interface ScanResult {
  /**
   * `match`: a match at `start`..`end` by rule `rule` that no further text can change, with no
   * undecided position before it. `pending`: `start` may begin a match that only further text
   * decides. `none`: nothing matches before `start`, the end of the text.
   */
  found: 'match' | 'pending' | 'none';
  start: number;
  end: number;
  /** Index of the rule in its policy: the lower wins a tie. */
  rule: number;
}

export interface RuleMatcher {
  /**
   * Scans `text`, which holds the characters from absolute position `base` on (and at least one
   * before `from`, unless `from` is the start of the text). `final`: the text is complete.
   */
  scan(text: string, base: number, from: number, final: boolean, out: ScanResult): void;
}

export const freshResult = (): ScanResult => ({ found: 'none', start: 0, end: 0, rule: 0 });

export function setResult(out: ScanResult, found: ScanResult['found'], start: number, end = start, rule = 0): void {
  out.found = found;
  out.start = start;
  out.end = end;
  out.rule = rule;
}
