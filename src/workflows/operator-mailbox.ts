import { condition } from '@temporalio/workflow';
import type { OperatorDecisionApplied } from '../domain/workflow-io.js';

/**
 * One operator decision about dead letters (from a `replay`/`discard` signal or Update). Every
 * mailbox that takes it reports what it did; an Update answers once each of them has.
 */
export class OperatorDecision {
  readonly applied: OperatorDecisionApplied[] = [];
  /** How many mailboxes took this decision (reports still to come: `taken - applied.length`). */
  taken = 0;

  constructor(
    readonly kind: 'replay' | 'discard',
    readonly reason?: string,
  ) {}

  /** Called by the stage that carried the decision out, after its bookkeeping activity returned. */
  report(applied: OperatorDecisionApplied): void {
    this.applied.push(applied);
  }

  /** Whether every mailbox that took the decision has carried it out. */
  get carriedOut(): boolean {
    return this.applied.length >= this.taken;
  }
}

/**
 * Where operator decisions about one dead letter wait: a lane's, or the processing stage's. It is
 * open from the moment the dead letter is being written until a decision is taken, and stays open
 * after the replay window closed while the workflow still runs (a late decision brings the lane back).
 * Shared by the lanes and the processing stage, so both read decisions the same way.
 */
export class OperatorMailbox {
  private decisions: OperatorDecision[] = [];
  private waiting = false;

  /** Opens the mailbox: the dead letter is about to become visible to operators. */
  open(): void {
    this.waiting = true;
  }

  /** Whether a decision sent now would be taken (what the Updates' validators check). */
  get isWaiting(): boolean {
    return this.waiting;
  }

  /** Offers a decision; true when the mailbox took it (it was waiting). */
  offer(decision: OperatorDecision): boolean {
    if (!this.waiting) return false;
    this.decisions.push(decision);
    decision.taken++;
    return true;
  }

  /**
   * Takes the decision at once: the first one resolves the dead letter and closes the mailbox, so
   * others queued with it are moot (they are reported as carried out by the same action), and a
   * decision arriving while this one is carried out is not kept for a later dead letter.
   */
  take(): OperatorDecision | undefined {
    const [first, ...moot] = this.decisions.splice(0);
    if (!first) return undefined;
    this.waiting = false;
    for (const other of moot) other.taken--;
    return first;
  }

  /**
   * Waits up to `windowMs` for a decision and takes it; undefined when the window closed without one.
   * A decision that arrives in the same workflow task as the window's end is taken: the SDK applies
   * signals and Updates before timers and re-checks conditions after each, so the condition wins
   * (test/integration/operator-updates.test.ts holds a worker back to make them meet).
   */
  async await(windowMs: number): Promise<OperatorDecision | undefined> {
    return (await condition(() => this.decisions.length > 0, windowMs)) ? this.take() : undefined;
  }
}
