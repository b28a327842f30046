import { ConflictError } from '@lattice/core';

/**
 * `DistributedLock.acquire()` gave up: another holder kept the lock (or every slot of the
 * semaphore) for longer than the caller was willing to wait. A `ConflictError`, so core's
 * exception filter answers it with 409 and the message.
 */
export class LockTimeoutError extends ConflictError {
  override readonly code: string = 'LATTICE_CLUSTER_LOCK_TIMEOUT';

  constructor(
    /** The lock's key as the caller named it. */
    readonly key: string,
    /** How long the caller waited, in milliseconds. */
    readonly waitedMs: number,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}

/**
 * A fenced write was refused: its fencing token is lower than one the resource already accepted,
 * so a newer holder of the lock has written since (this holder's lease ended while it was paused
 * or cut off). A `ConflictError` (409): the write must not be retried with the same token.
 */
export class StaleFenceError extends ConflictError {
  override readonly code: string = 'LATTICE_CLUSTER_STALE_FENCE';

  constructor(
    /** What was written to: a Redis key, or `table#id`. */
    readonly resource: string,
    /** The refused token. */
    readonly fence: number,
    message: string,
    hint: string,
  ) {
    super(message, hint);
  }
}
