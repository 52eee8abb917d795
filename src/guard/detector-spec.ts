/**
 * How a detector finds matches in a text that is still growing. A match at a position depends
 * only on the `reach` characters from it (bounded quantifiers, one character of lookbehind),
 * so what `find` returns there is final once that much text is in, or once `partial` no longer
 * matches from that position to the end of the text: no attempt of `find` there could read
 * further.
 */
export interface DetectorSpec {
  /** Candidates, with a one-character lookbehind boundary; `g` so a scan resumes at lastIndex. */
  readonly find: RegExp;
  /**
   * Matches (through `$`) every text an attempt of `find` could read past: a superset is safe and
   * only holds text back longer, a subset would let text out before its match is known.
   */
  readonly partial: RegExp;
  /** Characters from a candidate's start that decide it: the longest match plus its lookahead. */
  readonly reach: number;
  /** The length of the match within a candidate, 0 to reject it (check digits, ranges). */
  readonly accept?: (candidate: string) => number;
}

export interface Span {
  start: number;
  end: number;
}

/** The first accepted candidate starting at or after `from`, in text indices. */
export function nextDetection(spec: DetectorSpec, text: string, from: number): Span | undefined {
  const { find, accept } = spec;
  find.lastIndex = from;
  for (let found = find.exec(text); found; found = find.exec(text)) {
    const length = accept ? accept(found[0]) : found[0].length;
    if (length > 0) return { start: found.index, end: found.index + length };
    find.lastIndex = found.index + 1;
  }
  return undefined;
}

/** Where, at or after `from`, a match could still start that the rest of the text would decide. */
export function undecidedFrom(spec: DetectorSpec, text: string, from: number): number | undefined {
  const { partial } = spec;
  partial.lastIndex = Math.max(from, text.length - spec.reach + 1);
  const found = partial.exec(text);
  // `partial` may match the empty string at the very end, where nothing has started yet.
  return found && found.index < text.length ? found.index : undefined;
}

/**
 * The longest prefix of a grouped candidate (digits or characters in groups separated by
 * `separators`) that ends at a group boundary and passes `valid`, as a length in the candidate.
 * A card number followed by another short number is still found, a long number is never cut.
 */
export function longestGroupedPrefix(
  candidate: string,
  separators: RegExp,
  valid: (compact: string) => boolean,
): number {
  let end = candidate.length;
  while (end > 0) {
    if (valid(candidate.slice(0, end).replace(separators, ''))) return end;
    const boundary = Math.max(candidate.lastIndexOf(' ', end - 1), candidate.lastIndexOf('-', end - 1));
    end = boundary;
  }
  return 0;
}
