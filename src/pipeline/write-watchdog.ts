/**
 * Ends a response whose client has stopped taking bytes: a write still pending after `limitMs`
 * calls `onStall` once. One timer per period, not one per write: a write that starts finds it
 * armed, and on firing it re-arms itself for the time the current write has left.
 */
export class WriteWatchdog {
  #pendingSince: number | undefined;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #fired = false;

  constructor(
    private readonly limitMs: number,
    private readonly onStall: () => void,
  ) {}

  /** Wraps one write: the clock runs while it is pending. No async frame: this runs per chunk. */
  write(pending: Promise<void>): Promise<void> {
    if (this.limitMs <= 0) return pending;
    this.#pendingSince = Date.now();
    if (this.#timer === null) this.#arm(this.limitMs);
    return pending.finally(this.#settled);
  }

  readonly #settled = () => {
    this.#pendingSince = undefined;
  };

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#pendingSince === undefined || this.#fired) return;
      const waited = Date.now() - this.#pendingSince;
      if (waited < this.limitMs) return this.#arm(this.limitMs - waited);
      this.#fired = true;
      this.onStall();
    }, delay);
  }
}
