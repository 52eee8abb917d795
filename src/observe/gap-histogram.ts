/** Gaps above this many ms share one bucket: percentiles there are reported as "at least". */
export const GAP_HISTOGRAM_LIMIT_MS = 2000;

/**
 * Inter-token gaps at 1 ms resolution in fixed memory (8 KB), whatever the stream's length:
 * a 100k-token reply must not grow the log's bookkeeping.
 */
export class GapHistogram {
  private readonly buckets = new Uint32Array(GAP_HISTOGRAM_LIMIT_MS + 1);
  count = 0;
  max = 0;

  add(gapMs: number): void {
    const ms = Math.max(0, Math.round(gapMs));
    this.buckets[Math.min(ms, GAP_HISTOGRAM_LIMIT_MS)] = (this.buckets[Math.min(ms, GAP_HISTOGRAM_LIMIT_MS)] ?? 0) + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The smallest gap g such that at least p of the gaps are ≤ g (p in 0..1). */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let ms = 0; ms < this.buckets.length; ms++) {
      seen += this.buckets[ms] ?? 0;
      if (seen >= rank) return ms;
    }
    return GAP_HISTOGRAM_LIMIT_MS;
  }
}
