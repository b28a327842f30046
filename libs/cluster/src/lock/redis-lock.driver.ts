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

/** A held lease and its refresh bookkeeping (times are `performance.now()`). */
interface Lease {
  handle: LeaseHandle;
  lock: FencedLock;
  key: string;
  ttlMs: number;
  /** Past this, with no refresh answered, the lease is taken as lost (a little before Redis ends it). */
  leaseEnd: number;
  nextRefresh: number;
  refreshing: boolean;
  /** Armed only while a refresh is unanswered. */
  deadline?: NodeJS.Timeout;
}

/**
 * Locks on Redis: redis-semaphore's mutex and semaphore, the fencing token taken in the
 * acquisition script, and a refresh loop of our own. Each lease is refreshed every ttl / 3; a
 * refresh Redis refuses (the key is gone or someone else's) loses the lease at once, and so does
 * reaching the end of the lease with no refresh answered (Redis unreachable, or this process was
 * paused): the holder stops trusting it before Redis can give it to another, never after.
 *
 * One timer serves every lease (set for the earliest refresh due), so a lock held for less than
 * ttl / 3, the common case, costs no timer of its own.
 */
export class RedisLockDriver implements LockDriver {
  readonly name = 'redis';
  private readonly logger = new Logger('DistributedLock');
  private readonly leases = new Set<Lease>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

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
    return this.hold(key, lock, ttlMs);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.leases].map((lease) => lease.handle.release()));
  }

  private hold(key: string, lock: FencedLock, ttlMs: number): LeaseHandle {
    const lease: Lease = {
      key,
      lock,
      ttlMs,
      leaseEnd: lock.acquiredAt + ttlMs - margin(ttlMs),
      nextRefresh: lock.acquiredAt + ttlMs / 3,
      refreshing: false,
      handle: new LeaseHandle(key, lock.fence, async () => {
        this.drop(lease);
        try {
          await lock.release();
        } catch (error) {
          // Not fatal: the lease ends by itself within ttl.
          this.logger.warn(
            `Lock "${key}" could not be released (${(error as Error).message}); it frees itself within ${ttlMs} ms.`,
          );
        }
      }),
    };
    this.leases.add(lease);
    this.schedule(lease.nextRefresh);
    return lease.handle;
  }

  private drop(lease: Lease): void {
    this.leases.delete(lease);
    clearTimeout(lease.deadline);
  }

  private lose(lease: Lease, why: string): void {
    this.drop(lease);
    lease.handle.lose(LockMessages.leaseLost(lease.key, why));
  }

  private expire(lease: Lease): void {
    this.lose(lease, `no refresh reached Redis within its ${lease.ttlMs} ms lease`);
  }

  private schedule(at: number): void {
    if (at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.due(), Math.max(0, at - performance.now()));
    this.timer.unref();
  }

  /** The timer fired: refresh what is due, expire what a stall let run out, set the next one. */
  private due(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const lease of this.leases) {
      if (lease.refreshing) continue; // its answer schedules the next one
      if (now >= lease.leaseEnd) this.expire(lease);
      else if (now >= lease.nextRefresh) this.refresh(lease, now);
      else next = Math.min(next, lease.nextRefresh);
    }
    if (next < Number.POSITIVE_INFINITY) this.schedule(next);
  }

  private refresh(lease: Lease, sentAt: number): void {
    lease.refreshing = true;
    lease.nextRefresh = sentAt + lease.ttlMs / 3;
    lease.deadline = setTimeout(() => this.expire(lease), Math.max(0, lease.leaseEnd - sentAt));
    lease.deadline.unref();
    lease.lock
      .refreshLease()
      .then((ok) => {
        if (!this.leases.has(lease)) return;
        if (!ok)
          return this.lose(
            lease,
            'Redis no longer lists this process as its holder (the lease ended)',
          );
        clearTimeout(lease.deadline);
        lease.leaseEnd = sentAt + lease.ttlMs - margin(lease.ttlMs);
      })
      // Unreachable or slow: keep trying until the deadline decides.
      .catch(() => undefined)
      .finally(() => {
        lease.refreshing = false;
        if (this.leases.has(lease)) this.schedule(lease.nextRefresh);
      });
  }
}

/** Give up a little before Redis would: timers fire late on a busy loop, and clocks drift. */
function margin(ttlMs: number): number {
  return Math.max(1, Math.round(ttlMs / 10));
}
