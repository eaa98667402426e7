import {
  InterceptingCall,
  Metadata,
  status,
  type InterceptingListener,
  type Interceptor,
  type NextCall,
} from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import { temporalConnectionOptions, type TemporalConnectionConfig } from './connection-options.js';

/** What grpc-js throws when a call is created on a channel that `Connection.close()` has shut down. */
const CHANNEL_SHUT_DOWN = 'Channel has been shut down';

/**
 * A call that never reaches the network: it ends at once with CANCELLED, which the retry
 * interceptor does not retry, so the caller's promise rejects instead of waiting.
 */
class RefusedCall implements ReturnType<NextCall> {
  start(_metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    const ended = { code: status.CANCELLED, details: 'the Temporal connection is closed', metadata: new Metadata() };
    process.nextTick(() => listener?.onReceiveStatus?.(ended));
  }
  cancelWithStatus(): void {}
  getPeer(): string {
    return '';
  }
  sendMessageWithContext(): void {}
  sendMessage(): void {}
  startRead(): void {}
  halfClose(): void {}
  getAuthContext(): null {
    return null;
  }
}

/**
 * The SDK's retry interceptor schedules a retry with `setTimeout`, and `Connection.close()` does
 * not clear that timer: when it fires, grpc-js throws from the timer callback, outside any promise,
 * and the process dies of an uncaught exception (seen when the API stopped while a start was
 * retrying an unreachable server). Sitting below the retry interceptor, this turns exactly that
 * throw into a call that ends CANCELLED.
 */
const refuseCallsOnClosedChannel: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (error) {
    if (!(error instanceof Error) || error.message !== CHANNEL_SHUT_DOWN) throw error;
    return new InterceptingCall(new RefusedCall());
  }
};

/** The interceptors every client `Connection` of ours uses: the SDK's default retries, safe to close. */
export function clientInterceptors(): Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), refuseCallsOnClosedChannel];
}

/** Options for a client `Connection` (API, worker's client, set-up): config's address and credentials, our interceptors. */
export function clientConnectionOptions(config: TemporalConnectionConfig): ConnectionOptions {
  return { ...temporalConnectionOptions(config), interceptors: clientInterceptors() };
}
