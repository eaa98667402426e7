import { describe, expect, it } from 'vitest';
import { restartOnExit, type Restartable } from '../../src/dev/restart-on-exit.js';
import { waitFor } from '../helpers/wait.js';

/** A component that is up until `kill()`, and whose restart fails `failures` times before it comes back. */
function component(failures = 0) {
  let up = true;
  let left = failures;
  const restarts: number[] = [];
  const part: Restartable & { kill(): void; restarts: number[] } = {
    name: 'part',
    running: () => up,
    restart: async () => {
      restarts.push(Date.now());
      if (left-- > 0) throw new Error('not yet');
      up = true;
    },
    kill: () => (up = false),
    restarts,
  };
  return part;
}

describe('restartOnExit', () => {
  it('restarts a component found down, no sooner than the delay, and logs both steps', async () => {
    const part = component();
    const lines: string[] = [];
    const supervisor = restartOnExit([part], { delayMs: 300, log: (line) => lines.push(line) });
    try {
      const killedAt = Date.now();
      part.kill();
      await waitFor(async () => part.running(), { what: 'the restart' });
      expect(part.restarts).toHaveLength(1);
      expect(part.restarts[0]! - killedAt).toBeGreaterThanOrEqual(300);
      expect(lines).toEqual(['part is down; restarting it in 0.3 s', 'part restarted']);
    } finally {
      supervisor.stop();
    }
  });

  it('tries again after each failed restart until the component comes back', async () => {
    const part = component(2);
    const supervisor = restartOnExit([part], { delayMs: 50, log: () => {} });
    try {
      part.kill();
      await waitFor(async () => part.running(), { what: 'the third restart' });
      expect(part.restarts).toHaveLength(3);
    } finally {
      supervisor.stop();
    }
  });

  it('restarts nothing once stopped (a shutdown is not a crash)', async () => {
    const part = component();
    const supervisor = restartOnExit([part], { delayMs: 50, log: () => {} });
    supervisor.stop();
    part.kill();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(part.restarts).toHaveLength(0);
  });
});
