/**
 * Lets the workflow go on from concurrent local activities only once none is outstanding
 * (docs/architecture.md, "Every history replays"). Live, each local activity's result reaches the
 * workflow in an activation of its own, in the order they finished; on replay the results recorded in
 * one workflow task arrive together in one activation. Code that went on from each result as it came
 * emitted its commands in finishing order live but, on replay, interleaved by how many steps each
 * lane took to its next command: a lane dead-lettering after a fast rejection (an activity) and one
 * retrying after a slower 503 (a timer) swapped places and the run failed to replay.
 *
 * Held here, every result goes on in the activation where the last outstanding one arrived, in the
 * order they arrived (the order of their markers): the same activation and order live and on replay.
 * With one local activity outstanding nothing changes: it goes on at once.
 */
export class LocalActivityGate {
  private outstanding = 0;
  private waiting: (() => void)[] = [];

  /** Runs a local activity; its result (or failure) is handed back once no other is outstanding. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.outstanding += 1;
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: await call() };
    } catch (error) {
      outcome = { error };
    }
    this.outstanding -= 1;
    await new Promise<void>((release) => {
      this.waiting.push(release);
      if (this.outstanding === 0) this.releaseAll();
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  private releaseAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const release of waiting) release();
  }
}
