import { describe, expect, it } from 'vitest';
import { LocalActivityGate } from '../../src/workflows/local-activity-gate.js';

/** A call the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LocalActivityGate', () => {
  it('hands a result back at once when no other local activity is outstanding', async () => {
    const gate = new LocalActivityGate();
    await expect(gate.run(async () => 'delivered')).resolves.toBe('delivered');
  });

  it('holds results until the last outstanding one settles, then releases all in the order they arrived', async () => {
    const gate = new LocalActivityGate();
    const [a, b, c] = [deferred<string>(), deferred<string>(), deferred<string>()];
    const released: string[] = [];
    const runs = [a, b, c].map((call, i) =>
      gate
        .run(() => call.promise)
        .then(
          (value) => void released.push(value),
          (error: Error) => void released.push(`${i}:${error.message}`),
        ),
    );
    b.resolve('b');
    await flush();
    a.reject(new Error('rejected'));
    await flush();
    expect(released).toEqual([]);
    c.resolve('c');
    await Promise.all(runs);
    expect(released).toEqual(['b', '0:rejected', 'c']);
  });

  it('starts counting afresh after a release: a later lone call is not held', async () => {
    const gate = new LocalActivityGate();
    const [a, b] = [deferred<string>(), deferred<string>()];
    const first = [gate.run(() => a.promise), gate.run(() => b.promise)];
    a.resolve('a');
    b.resolve('b');
    await expect(Promise.all(first)).resolves.toEqual(['a', 'b']);
    await expect(gate.run(async () => 'alone')).resolves.toBe('alone');
  });
});
