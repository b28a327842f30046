import { RedisConnections } from '@lattice/core';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { CLUSTER_MODULE_OPTIONS } from '../cluster.constants';
import type { ResolvedClusterOptions } from '../cluster.options';
import type { LockDriver, LockRequest } from './lock-driver';
import { LockMessages } from './lock.messages';
import { MemoryLockDriver } from './memory-lock.driver';
import { RedisLockDriver } from './redis-lock.driver';

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
 * @example
 * await locks.using(`answer:${id}`, async (lock) => {
 *   const answer = await answers.findOneByOrFail({ id });
 *   await tryFencedUpdate(answers, id, { votes: answer.votes + 1 }, lock.fence);
 * });
 */
@Injectable()
export class DistributedLock implements BeforeApplicationShutdown {
  private readonly driverImpl: LockDriver;

  constructor(
    redis: RedisConnections,
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ResolvedClusterOptions,
  ) {
    this.driverImpl = redis.configured ? new RedisLockDriver(redis) : new MemoryLockDriver();
  }

  /** `redis` when REDIS_URL is set (locks shared by the cluster), `memory` otherwise. */
  get driver(): 'redis' | 'memory' {
    return this.driverImpl.name;
  }

  /** Acquires the mutex `key` (waits up to `acquireTimeoutMs`; rejects with `LockTimeoutError`, a 409). */
  async acquire(key: string, options: LockOptions = {}): Promise<LockHandle> {
    return this.driverImpl.acquire(this.request(key, undefined, options));
  }

  /** Runs `task` holding `key`; releases afterwards, also when it throws. */
  async using<T>(
    key: string,
    task: (lock: LockHandle) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    const lock = await this.acquire(key, options);
    try {
      return await task(lock);
    } finally {
      await lock.release();
    }
  }

  /** One of `limit` slots of the semaphore `key`. */
  async acquireSlot(key: string, limit: number, options: LockOptions = {}): Promise<LockHandle> {
    if (!Number.isInteger(limit) || limit < 1) throw LockMessages.badLimit(key, limit);
    return this.driverImpl.acquire(this.request(key, limit, options));
  }

  /** Leases still held at shutdown are given back, so other nodes need not wait for them to expire. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.driverImpl.releaseAll();
  }

  private request(key: string, limit: number | undefined, options: LockOptions): LockRequest {
    if (!key) throw LockMessages.badKey(key);
    return {
      key,
      limit,
      ttlMs: options.ttlMs ?? this.options.locks.ttlMs,
      acquireTimeoutMs: options.acquireTimeoutMs ?? this.options.locks.acquireTimeoutMs,
    };
  }
}
