import type { RedisConnections } from '@lattice/core';
import { Logger } from '@nestjs/common';
import type { LockHandle } from './distributed-lock';
import { LeaseHandle } from './lease-handle';
import type { LockDriver, LockRequest } from './lock-driver';
import { LockMessages } from './lock.messages';
import { FencedMutex, FencedSemaphore, type FencedLock } from './redis-fenced-locks';

/** The named connection of core's `RedisConnections` the locks and the leader election use. */
export const LOCKS_REDIS_CONNECTION = 'locks';

/** Pause between two acquisition attempts while the lock is taken (redis-semaphore's default). */
const RETRY_INTERVAL_MS = 10;

/**
 * Locks on Redis: redis-semaphore's mutex and semaphore, the fencing token taken in the
 * acquisition script, and a refresh loop of our own. The refresh runs every ttl / 3; a refresh
 * Redis refuses (the key is gone or someone else's) loses the lease at once, and so does reaching
 * the end of the lease with no refresh answered (Redis unreachable, or this process was paused):
 * the holder stops trusting it before Redis can give it to another, never after.
 */
export class RedisLockDriver implements LockDriver {
  readonly name = 'redis';
  private readonly logger = new Logger('DistributedLock');
  private readonly held = new Set<LeaseHandle>();

  constructor(private readonly redis: RedisConnections) {}

  async acquire({ key, limit, ttlMs, acquireTimeoutMs }: LockRequest): Promise<LockHandle> {
    const client = this.redis.get(LOCKS_REDIS_CONNECTION);
    const fenceKey = this.redis.key('cluster', 'fence', key);
    const options = {
      lockTimeout: ttlMs,
      // 0 means "try once": redis-semaphore counts attempts, not time, for that.
      acquireTimeout: acquireTimeoutMs || ttlMs,
      acquireAttemptsLimit: acquireTimeoutMs === 0 ? 1 : Number.POSITIVE_INFINITY,
      retryInterval: RETRY_INTERVAL_MS,
      refreshInterval: 0, // we refresh ourselves: redis-semaphore's loop lets a Redis error escape as an unhandled rejection
    };
    const lock: FencedLock =
      limit === undefined
        ? new FencedMutex(client, this.redis.key('cluster', 'lock', key), fenceKey, options)
        : new FencedSemaphore(
            client,
            this.redis.key('cluster', 'semaphore', key),
            limit,
            fenceKey,
            options,
          );
    const started = performance.now();
    if (!(await lock.tryAcquire()))
      throw LockMessages.timeout(key, Math.round(performance.now() - started), limit);
    return this.keepAlive(key, lock, ttlMs);
  }

  /**
   * One timer per held lease, every ttl / 3: it refreshes, and checks the lease's deadline (a
   * process resumed from a pause finds it passed). The deadline gets its own timer only while a
   * refresh is unanswered, so the many locks released within ttl / 3 cost one timer each.
   */
  private keepAlive(key: string, lock: FencedLock, ttlMs: number): LeaseHandle {
    // Give up a little before Redis would: timers fire late on a busy loop, and clocks drift.
    const margin = Math.max(1, Math.round(ttlMs / 10));
    let leaseEnd = lock.acquiredAt + ttlMs - margin;
    let refreshing = false;
    let deadline: NodeJS.Timeout | undefined;
    const stop = () => {
      clearInterval(refresher);
      clearTimeout(deadline);
      this.held.delete(handle);
    };
    const handle = new LeaseHandle(key, lock.fence, async () => {
      stop();
      try {
        await lock.release();
      } catch (error) {
        // Not fatal: the lease ends by itself within ttl.
        this.logger.warn(
          `Lock "${key}" could not be released (${(error as Error).message}); it frees itself within ${ttlMs} ms.`,
        );
      }
    });
    const lose = (why: string) => {
      stop();
      handle.lose(LockMessages.leaseLost(key, why));
    };
    const expired = () => lose(`no refresh reached Redis within its ${ttlMs} ms lease`);
    const refresher = setInterval(
      () => {
        if (!handle.held) return;
        if (performance.now() >= leaseEnd) return expired();
        if (refreshing) return;
        refreshing = true;
        const sentAt = performance.now();
        clearTimeout(deadline);
        deadline = setTimeout(expired, Math.max(0, leaseEnd - sentAt));
        deadline.unref();
        lock
          .refreshLease()
          .then((ok) => {
            if (!handle.held) return;
            if (!ok)
              return lose('Redis no longer lists this process as its holder (the lease ended)');
            clearTimeout(deadline);
            leaseEnd = sentAt + ttlMs - margin;
          })
          // Unreachable or slow: keep trying until the deadline decides.
          .catch(() => undefined)
          .finally(() => (refreshing = false));
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    refresher.unref();
    this.held.add(handle);
    return handle;
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held].map((handle) => handle.release()));
  }
}
