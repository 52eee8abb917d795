/** `empty`: no system prompt and no history, so nothing comes before the next message to warm. */
export type WarmupSkip = 'empty' | 'generating' | 'in_flight' | 'unchanged' | 'rate_limited';

/** The answer to a warm-up signal (HTTP 202 body, and the WebSocket reply's data). */
export type WarmupDecision = { warmup: 'started' } | { warmup: 'skipped'; reason: WarmupSkip };

const WINDOW_MS = 60_000;

const skipped = (reason: WarmupSkip): WarmupDecision => ({ warmup: 'skipped', reason });

/**
 * Whether a session's warm-up signal becomes an upstream request. Rule, in order: never while a
 * turn generates (that turn already sent the prefix, and a warm-up must not compete with it);
 * at most one in flight; not again for a context already warmed (same prefix, nothing to gain:
 * a client may signal on every keystroke); at most `perMinute` started in any 60 s.
 * Kept in memory: a restarted object forgets it, which costs at most one extra warm-up.
 */
export class WarmupGate {
  private inFlight = false;
  private warmKey: string | undefined;
  private starts: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** `key` names the context a warm-up would send; equal keys mean an identical prefix. */
  admit(key: string, options: { generating: boolean; perMinute: number }): WarmupDecision {
    if (options.generating) return skipped('generating');
    if (this.inFlight) return skipped('in_flight');
    if (key === this.warmKey) return skipped('unchanged');
    const now = this.now();
    this.starts = this.starts.filter((at) => at > now - WINDOW_MS);
    if (this.starts.length >= options.perMinute) return skipped('rate_limited');
    this.starts.push(now);
    this.inFlight = true;
    this.warmKey = key;
    return { warmup: 'started' };
  }

  /** The warm-up ended. A failed one left the prefix cold, so the same context may be tried again. */
  settle(ok: boolean): void {
    this.inFlight = false;
    if (!ok) this.warmKey = undefined;
  }
}
