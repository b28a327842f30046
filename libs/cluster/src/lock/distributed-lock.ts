import { Injectable } from '@nestjs/common';

/** A held lock. `fence` grows with every acquisition of this key across the cluster. */
export interface LockHandle {
  key: string;
  /**
   * The fencing token: pass it to the write the lock protects (`FencedWrites`), which refuses a
   * token lower than the last one it accepted, so a holder paused past its lease (GC, a stalled VM)
   * cannot overwrite a newer holder's work.
   */
  fence: number;
  /** False once the lease was lost (refresh failed) or released. */
  readonly held: boolean;
  /** Aborts when the lease is lost. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Lease length; refreshed every ttl / 3 while held (default from `locks.ttlMs`, 10 s). */
  ttlMs?: number;
  /** How long `acquire` waits for the lock before rejecting with 409 (default 5 s; 0 = try once). */
  acquireTimeoutMs?: number;
}

/**
 * Mutexes and semaphores across the cluster on redis-semaphore (auto-refreshed leases), each
 * acquisition numbered by a fencing token (an INCR on the key's counter, in the same script as the
 * acquisition's bookkeeping). In-process locks with the same API without Redis.
 *
 * CONTRACT (lead): signatures are fixed; the locks branch implements the bodies.
 */
@Injectable()
export class DistributedLock {
  /** Acquires the mutex `key` (waits up to `acquireTimeoutMs`; rejects with `LockTimeoutError`, a 409). */
  async acquire(key: string, options: LockOptions = {}): Promise<LockHandle> {
    void key;
    void options;
    throw new Error('not built yet');
  }

  /** Runs `task` holding `key`; releases afterwards, also when it throws. */
  async using<T>(
    key: string,
    task: (lock: LockHandle) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    void key;
    void task;
    void options;
    throw new Error('not built yet');
  }

  /** One of `limit` slots of the semaphore `key`. */
  async acquireSlot(key: string, limit: number, options: LockOptions = {}): Promise<LockHandle> {
    void key;
    void limit;
    void options;
    throw new Error('not built yet');
  }
}
