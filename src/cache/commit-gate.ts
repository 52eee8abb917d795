import type { PumpOutcome } from '../pipeline/upstream-pump';
import type { CacheEntry } from './cache-entry';

/**
 * Decides whether a generation is stored. The cache object sees the upstream finish, but only the
 * Worker that relayed it knows whether its stages let it through (a guard block stops a stream
 * the provider finished) or its client took it to the end. So an entry is stored once the
 * upstream finished cleanly and a reader reported a clean end; a reader reporting a stop, cancel
 * or failure before that keeps it out. Once stored, a later reader's end changes nothing: a
 * client that hangs up on a shared answer someone already took whole must not take it (or a
 * newer entry under the same key) away from everyone else.
 */
export class CommitGate {
  private clean = false;
  private vetoed = false;
  private ready: CacheEntry | undefined;
  private stored = false;

  constructor(
    private readonly write: (entry: CacheEntry) => void,
    /** Once: the entry was written or vetoed. */
    private readonly decided: () => void = () => {},
  ) {}

  /** Characters of the answer it holds until a report comes. */
  get holding(): number {
    return this.ready?.lines.length ?? 0;
  }

  /** Neither written nor vetoed yet. */
  get undecided(): boolean {
    return !this.stored && !this.vetoed;
  }

  /** The upstream finished cleanly with this entry. */
  finished(entry: CacheEntry): void {
    if (this.vetoed) return;
    this.ready = entry;
    this.maybeWrite();
  }

  /** A reader's relay ended with `outcome`. */
  report(outcome: PumpOutcome): void {
    if (this.stored) return;
    if (outcome === 'finished') {
      this.clean = true;
      this.maybeWrite();
      return;
    }
    this.veto();
  }

  /** Never stored (a reader's failure, a purge, or forgotten): lets go of the answer it holds. */
  veto(): void {
    if (this.stored || this.vetoed) return;
    this.vetoed = true;
    this.ready = undefined;
    this.decided();
  }

  private maybeWrite(): void {
    if (!this.clean || !this.ready || this.vetoed) return;
    this.write(this.ready);
    this.ready = undefined;
    this.stored = true;
    this.decided();
  }
}
