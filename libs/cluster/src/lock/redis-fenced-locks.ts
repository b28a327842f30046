import type Redis from 'ioredis';
import { Mutex, Semaphore, type LockOptions as SemaphoreOptions } from 'redis-semaphore';
import { RedisScript } from './redis-script';

// The acquisition and the fencing token in one script: the token is taken while the lock is
// held, at the very moment it is taken, so tokens are ordered as the leases are (an INCR sent
// after the acquisition could land after a pause, when a newer holder already has a lower one).
// The data layout is redis-semaphore's own (a string for a mutex, a sorted set of identifiers by
// acquisition time for a semaphore), so its refresh and release scripts work unchanged.
const ACQUIRE_MUTEX = new RedisScript(
  `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return redis.call('incr', KEYS[2])
end
return 0`,
  2,
);

const ACQUIRE_SLOT = new RedisScript(
  `local limit = tonumber(ARGV[1])
local ttl = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - ttl)
if redis.call('zcard', KEYS[1]) < limit then
  redis.call('zadd', KEYS[1], now, ARGV[2])
  redis.call('pexpire', KEYS[1], ttl)
  return redis.call('incr', KEYS[2])
end
return 0`,
  2,
);

/** What the fenced locks add to redis-semaphore's. */
export interface FencedLock {
  /** The fencing token of the acquisition (0 until acquired). */
  readonly fence: number;
  /** `performance.now()` when the successful acquisition was sent: the lease runs from there. */
  readonly acquiredAt: number;
  tryAcquire(): Promise<boolean>;
  /** Extends the lease; false when Redis no longer lists this holder. */
  refreshLease(): Promise<boolean>;
  release(): Promise<void>;
}

interface Attempt {
  (now: number): Promise<number>;
}

/** redis-semaphore's acquisition loop (try, wait `retryInterval`, until `acquireTimeout`), on our script. */
async function acquireLoop(
  options: { acquireTimeout: number; acquireAttemptsLimit: number; retryInterval: number },
  attempt: Attempt,
): Promise<{ fence: number; at: number } | undefined> {
  const end = Date.now() + options.acquireTimeout;
  for (let n = 1; n <= options.acquireAttemptsLimit; n++) {
    const at = performance.now();
    const fence = Number(await attempt(Date.now()));
    if (fence > 0) return { fence, at };
    if (n >= options.acquireAttemptsLimit || Date.now() + options.retryInterval >= end) break;
    await new Promise((resolve) => setTimeout(resolve, options.retryInterval));
  }
  return undefined;
}

/** A redis-semaphore `Mutex` whose acquisition also takes the fencing token; keys used as given. */
export class FencedMutex extends Mutex implements FencedLock {
  fence = 0;
  acquiredAt = 0;

  constructor(
    client: Redis,
    key: string,
    private readonly fenceKey: string,
    options: SemaphoreOptions,
  ) {
    super(client, key, options);
    this._key = key; // redis-semaphore would prepend `mutex:`, ahead of REDIS_KEY_PREFIX
  }

  protected override async _acquire(): Promise<boolean> {
    const { identifier, lockTimeout } = this._acquireOptions;
    const got = await acquireLoop(this._acquireOptions, () =>
      ACQUIRE_MUTEX.run<number>(
        this._client as Redis,
        [this._key, this.fenceKey],
        [identifier, lockTimeout],
      ),
    );
    if (got) ({ fence: this.fence, at: this.acquiredAt } = got);
    return got !== undefined;
  }

  refreshLease(): Promise<boolean> {
    return this._refresh();
  }
}

/** A redis-semaphore `Semaphore` whose acquisition also takes the fencing token; keys used as given. */
export class FencedSemaphore extends Semaphore implements FencedLock {
  fence = 0;
  acquiredAt = 0;

  constructor(
    client: Redis,
    key: string,
    limit: number,
    private readonly fenceKey: string,
    options: SemaphoreOptions,
  ) {
    super(client, key, limit, options);
    this._key = key;
  }

  protected override async _acquire(): Promise<boolean> {
    const { identifier, lockTimeout } = this._acquireOptions;
    const got = await acquireLoop(this._acquireOptions, (now) =>
      ACQUIRE_SLOT.run<number>(
        this._client as Redis,
        [this._key, this.fenceKey],
        [this._limit, identifier, lockTimeout, now],
      ),
    );
    if (got) ({ fence: this.fence, at: this.acquiredAt } = got);
    return got !== undefined;
  }

  refreshLease(): Promise<boolean> {
    return this._refresh();
  }
}
