// `npm run cluster` restarts what dies under it, as an orchestrator's restart policy would (the
// compose file's `restart: unless-stopped`): the Temporal server and the embedded PostgreSQL come
// back after a delay, so a crash of either is a fault the rest of the topology rides out.

/** A process of the topology that can be checked and started again. */
export interface Restartable {
  /** For the log lines. */
  name: string;
  running(): boolean;
  /** Starts it again and resolves when it serves. */
  restart(): Promise<void>;
}

export interface RestartSupervisor {
  /** Stops watching (before the topology's own shutdown, so a stop is not taken for a crash). */
  stop(): void;
}

const POLL_MS = 500;

/** Watches `components`; one found down is restarted after `delayMs` (again after each failed try). */
export function restartOnExit(
  components: Restartable[],
  options: { delayMs: number; log: (line: string) => void },
): RestartSupervisor {
  const restarting = new Set<string>();
  let stopped = false;
  const revive = async (component: Restartable) => {
    restarting.add(component.name);
    try {
      for (let attempt = 1; !stopped; attempt++) {
        options.log(`${component.name} is down; restarting it in ${options.delayMs / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        if (stopped) return;
        try {
          await component.restart();
          options.log(`${component.name} restarted`);
          return;
        } catch (error) {
          options.log(`${component.name} did not restart (try ${attempt}): ${(error as Error).message}`);
        }
      }
    } finally {
      restarting.delete(component.name);
    }
  };
  const timer = setInterval(() => {
    for (const component of components)
      if (!stopped && !restarting.has(component.name) && !component.running()) void revive(component);
  }, POLL_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
