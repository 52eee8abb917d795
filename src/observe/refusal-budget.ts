/**
 * Refusals recorded per isolate per minute: enough to see who is knocking, too few for a flood
 * of bad keys to fill the log (each recorded one is a Queue message and a D1 row).
 */
export const REFUSALS_LOGGED_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

/**
 * A fixed-window budget for recording 401/403 refusals. What it turns away is counted, and the
 * next refusal it lets through says how many went unrecorded before it.
 */
export class RefusalBudget {
  #windowStart = 0;
  #used = 0;
  #skipped = 0;

  constructor(private readonly perWindow = REFUSALS_LOGGED_PER_MINUTE) {}

  /** Undefined: do not record this one. Otherwise, how many were skipped since the last recorded one. */
  take(now: number): { skipped: number } | undefined {
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#used = 0;
    }
    if (this.#used >= this.perWindow) {
      this.#skipped++;
      return undefined;
    }
    this.#used++;
    const skipped = this.#skipped;
    this.#skipped = 0;
    return { skipped };
  }
}
