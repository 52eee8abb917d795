import { DurableObject } from 'cloudflare:workers';
import type { KeyBudget } from './api-key';
import type { BudgetCheck, BudgetState } from './key-budget';
import { type Admission, KeyLimits, type Limits } from './key-limits';

/** One per gateway key with limits: the exact counter behind its rate, concurrency and budget limits. */
export class KeyLimiterDO extends DurableObject {
  private readonly limits = new KeyLimits(this.ctx.storage.sql);

  acquire(limits: Limits, reserveUsd = 0): Admission {
    return this.limits.acquire(limits, Date.now(), reserveUsd);
  }

  release(lease: string, spentUsd = 0): void {
    this.limits.release(lease, Date.now(), spentUsd);
  }

  reserve(lease: string, budget: KeyBudget, usd: number): BudgetCheck {
    return this.limits.reserve(lease, budget, usd, Date.now());
  }

  /** The key's budget as it stands: spent this period, held by open streams, and when it resets. */
  budget(budget: KeyBudget): BudgetState {
    return this.limits.budget(budget, Date.now());
  }

  renew(lease: string): void {
    this.limits.renew(lease, Date.now());
  }

  openStreams(): number {
    return this.limits.openStreams();
  }
}
