import { condition } from '@temporalio/workflow';

/**
 * Where a workflow's held lanes wait (README "Pause and circuit breaker"): until the `resumeHeld`
 * signal names their subscription, or until their recheck time, whichever comes first. A timer and
 * a condition only: no worker slot, no attempt, no retry budget.
 */
export class HeldLanes {
  private readonly resumes = new Map<string, number>();

  /** The subscription was resumed (or its circuit closed): every lane waiting on it goes on. */
  resume(subscriptionId: string): void {
    this.resumes.set(subscriptionId, (this.resumes.get(subscriptionId) ?? 0) + 1);
  }

  /** Waits until `subscriptionId` is resumed or `waitMs` has passed. */
  async wait(subscriptionId: string, waitMs: number): Promise<void> {
    const before = this.resumes.get(subscriptionId) ?? 0;
    await condition(() => (this.resumes.get(subscriptionId) ?? 0) !== before, waitMs);
  }
}
