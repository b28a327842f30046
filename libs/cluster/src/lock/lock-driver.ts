import type { LockHandle } from './distributed-lock';

/** One acquisition request, with the defaults applied. */
export interface LockRequest {
  key: string;
  /** Undefined for a mutex; the number of slots for a semaphore. */
  limit?: number;
  ttlMs: number;
  acquireTimeoutMs: number;
}

/** Where locks live: Redis (shared by the cluster) or this process. */
export interface LockDriver {
  readonly name: 'redis' | 'memory';
  acquire(request: LockRequest): Promise<LockHandle>;
  /** Gives back every lease still held (at shutdown, so others need not wait for them to expire). */
  releaseAll(): Promise<void>;
}
