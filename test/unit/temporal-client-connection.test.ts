// Closing a client connection while the SDK waits to retry a call must end that call, not crash the process.
// The server is a port nobody listens on, so every attempt fails UNAVAILABLE and the SDK schedules a retry.
import {
  InterceptingCall,
  ListenerBuilder,
  RequesterBuilder,
  status,
  type Interceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { clientInterceptors } from '../../src/temporal/client-connection.js';

/** Sits below ours and tells when an attempt has ended, so the test closes while a retry is pending. */
function attemptObserver(onEnded: (ended: StatusObject) => void): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(
      nextCall(options),
      new RequesterBuilder()
        .withStart((metadata, listener, next) =>
          next(
            metadata,
            new ListenerBuilder()
              .withOnReceiveStatus((ended, passOn) => {
                onEnded(ended);
                passOn(ended);
              })
              .build(),
          ),
        )
        .build(),
    );
}

describe('client connection interceptors', () => {
  it('end a call CANCELLED when the connection closes while its retry is pending', async () => {
    const ended: number[] = [];
    let firstAttemptEnded!: () => void;
    const attemptEnded = new Promise<void>((resolve) => (firstAttemptEnded = resolve));
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [
        ...clientInterceptors(),
        attemptObserver((attempt) => {
          ended.push(attempt.code);
          firstAttemptEnded();
        }),
      ],
    });
    const call = connection.workflowService.getSystemInfo({});
    const outcome = call.then(
      () => 'answered',
      (error: { code?: number }) => error.code,
    );
    await attemptEnded;
    expect(ended).toEqual([status.UNAVAILABLE]); // the SDK now waits to retry
    await connection.close();
    expect(await outcome).toBe(status.CANCELLED);
  });

  it('leave every other call to the SDK: a call to an unreachable server still retries until its deadline', async () => {
    const ended: number[] = [];
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [...clientInterceptors(), attemptObserver((attempt) => ended.push(attempt.code))],
    });
    try {
      const error = await connection
        .withDeadline(Date.now() + 1_500, () => connection.workflowService.getSystemInfo({}))
        .catch((e: { code?: number }) => e);
      expect(error).toMatchObject({ code: status.DEADLINE_EXCEEDED });
      expect(ended.filter((code) => code === status.UNAVAILABLE).length).toBeGreaterThan(1); // retried
      expect(ended).not.toContain(status.CANCELLED);
    } finally {
      await connection.close();
    }
  });
});
