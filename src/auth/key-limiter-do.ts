import { DurableObject } from 'cloudflare:workers';
import { type Admission, KeyLimits, type Limits } from './key-limits';

/** One per gateway key with limits: the exact counter behind its rate and concurrency limits. */
export class KeyLimiterDO extends DurableObject {
  private readonly limits = new KeyLimits(this.ctx.storage.sql);

  acquire(limits: Limits): Admission {
    return this.limits.acquire(limits, Date.now());
  }

  release(lease: string): void {
    this.limits.release(lease);
  }

  renew(lease: string): void {
    this.limits.renew(lease, Date.now());
  }

  openStreams(): number {
    return this.limits.openStreams();
  }
}
