import type { PumpOutcome } from '../pipeline/upstream-pump';
import type { CacheEntry } from './cache-entry';

/**
 * Decides whether a generation is stored. The cache object sees the upstream finish, but only the
 * Worker that relayed it knows whether its stages let it through (a guard block stops a stream
 * the provider finished) or its client took it to the end. So an entry is stored once the
 * upstream finished cleanly and a reader reported a clean end; any reader reporting a stop,
 * cancel or failure keeps it out (and takes it out again if it was stored already).
 */
export class CommitGate {
  private clean = false;
  private vetoed = false;
  private ready: CacheEntry | undefined;
  private stored = false;

  constructor(
    private readonly write: (entry: CacheEntry) => void,
    private readonly remove: () => void,
  ) {}

  /** The upstream finished cleanly with this entry. */
  finished(entry: CacheEntry): void {
    if (this.vetoed) return;
    this.ready = entry;
    this.maybeWrite();
  }

  /** A reader's relay ended with `outcome`. */
  report(outcome: PumpOutcome): void {
    if (outcome === 'finished') {
      this.clean = true;
      this.maybeWrite();
      return;
    }
    this.vetoed = true;
    this.ready = undefined;
    if (this.stored) this.remove();
    this.stored = false;
  }

  private maybeWrite(): void {
    if (!this.clean || !this.ready || this.vetoed) return;
    this.write(this.ready);
    this.ready = undefined;
    this.stored = true;
  }
}
