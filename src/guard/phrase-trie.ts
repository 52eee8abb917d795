import { type RuleMatcher, type ScanResult, setResult } from './scan-result';

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  /** The rule whose phrase ends here, or -1. */
  rule: number;
}

const folded = new Map<number, number>();

/**
 * Lower-cases one UTF-16 unit when the result is still one unit, so a position in the folded
 * text is the same position in the original (`İ` lowers to two units and stays as it is).
 */
export function foldCase(code: number): number {
  if (code < 128) return code >= 65 && code <= 90 ? code + 32 : code;
  let fold = folded.get(code);
  if (fold === undefined) {
    const lower = String.fromCharCode(code).toLowerCase();
    fold = lower.length === 1 ? lower.charCodeAt(0) : code;
    folded.set(code, fold);
  }
  return fold;
}

const newNode = (): TrieNode => ({ next: new Map(), rule: -1 });

/**
 * Every phrase of every phrase rule with one case sensitivity, as one trie: a scan costs one
 * table lookup per character that cannot start a phrase, whatever the number of phrases.
 */
export class PhraseTrie implements RuleMatcher {
  private readonly root = newNode();
  /** Units that start some phrase, so most positions are skipped without a map lookup. */
  private readonly starts = new Uint8Array(65536);

  constructor(private readonly caseSensitive: boolean) {}

  /** Adds a phrase; when two rules share one, the rule added first keeps it. */
  add(phrase: string, rule: number): void {
    let node = this.root;
    for (let i = 0; i < phrase.length; i++) {
      const code = this.unit(phrase, i);
      if (i === 0) this.starts[code] = 1;
      let child = node.next.get(code);
      if (!child) {
        child = newNode();
        node.next.set(code, child);
      }
      node = child;
    }
    if (node.rule < 0) node.rule = rule;
  }

  scan(text: string, base: number, from: number, final: boolean, out: ScanResult): void {
    for (let i = from - base; i < text.length; i++) {
      if (this.starts[this.unit(text, i)] === 0) continue;
      let node = this.root;
      let rule = -1;
      let end = i;
      for (let j = i; ; j++) {
        if (j === text.length) {
          // A longer phrase could still complete here: the longest match is not known yet.
          if (!final && node.next.size > 0) {
            setResult(out, 'pending', base + i);
            return;
          }
          break;
        }
        const child = node.next.get(this.unit(text, j));
        if (!child) break;
        node = child;
        if (node.rule >= 0) {
          rule = node.rule;
          end = j + 1;
        }
      }
      if (rule >= 0) {
        setResult(out, 'match', base + i, base + end, rule);
        return;
      }
    }
    setResult(out, 'none', base + text.length);
  }

  private unit(text: string, i: number): number {
    const code = text.charCodeAt(i);
    return this.caseSensitive ? code : foldCase(code);
  }
}
