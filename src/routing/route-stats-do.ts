import { DurableObject } from 'cloudflare:workers';
import { RouteStatsStore } from './route-stats-store';
import type { Sample, TargetStats } from './target-stats';

/** The gateway's one instance: estimates must be shared by every isolate to be worth anything. */
export const ROUTE_STATS_INSTANCE = 'global';

/** Every target's TTFT and error-rate estimates, shared by all isolates (one instance, see above). */
export class RouteStatsDO extends DurableObject {
  private readonly store = new RouteStatsStore(this.ctx.storage.sql);

  /** Folds in an isolate's samples and returns the estimates: one round trip both reports and refreshes. */
  sync(samples: Sample[]): TargetStats[] {
    if (samples.length > 0) this.store.record(samples, Date.now());
    return this.store.all();
  }
}
