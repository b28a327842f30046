import { RedisConnections } from '@lattice/core';
import { Injectable } from '@nestjs/common';
import { LockMessages } from './lock.messages';
import { LOCKS_REDIS_CONNECTION } from './redis-lock.driver';
import { RedisScript } from './redis-script';

// Compare the token with the highest one this key accepted, then run the write, in one script:
// nothing can slip between the check and the write. Equal tokens pass (one holder may write
// several times under its token); a lower one is refused with the stored token.
const FENCED_RUN = new RedisScript(
  `local fence = tonumber(ARGV[1])
local stored = tonumber(redis.call('get', KEYS[2]) or '0')
if fence < stored then return {0, stored} end
if fence > stored then redis.call('set', KEYS[2], fence) end
return {1, stored, redis.call(ARGV[2], KEYS[1], unpack(ARGV, 3))}`,
  2,
);

/** What a fenced Redis command did. */
export interface FencedResult<T = unknown> {
  /** False when the token was lower than the key's stored one: nothing was written. */
  accepted: boolean;
  /** The command's reply, when accepted. */
  result?: T;
  /** The highest token the key had accepted before this call. */
  storedFence: number;
}

/**
 * The Redis side of fencing: a write protected by a `DistributedLock` passes the lock's `fence`,
 * and is refused when the key already took a higher one (a newer holder wrote after this one's
 * lease ended). The highest accepted token is kept beside the key, in `<key>:fence`; with Redis
 * Cluster, give the key a hash tag (`{answer:42}`) so both live in one slot. Keys are used as
 * given: build them with `RedisConnections.key()` as for any other key of yours.
 *
 * Without Redis, `set`/`get` keep values in this process (there is nobody to race with) and `run`
 * needs Redis.
 *
 * @example
 * await locks.using('report:daily', async (lock) => {
 *   await fenced.set(redis.key('report', 'daily'), render(), lock.fence); // StaleFenceError if too late
 * });
 */
@Injectable()
export class FencedWrites {
  private readonly memory = new Map<string, { value: string; fence: number }>();

  constructor(private readonly redis: RedisConnections) {}

  /** SET `key` `value` (with `ttlMs`, if given) unless `fence` is stale; throws `StaleFenceError` (409) then. */
  async set(key: string, value: string, fence: number, ttlMs?: number): Promise<void> {
    const outcome = await this.setIfFresh(key, value, fence, ttlMs);
    if (!outcome.accepted) throw LockMessages.staleFence(key, fence, outcome.storedFence);
  }

  /** Like `set`, but answers whether the write was accepted instead of throwing. */
  async trySet(key: string, value: string, fence: number, ttlMs?: number): Promise<boolean> {
    return (await this.setIfFresh(key, value, fence, ttlMs)).accepted;
  }

  /** The value last written to `key` (by a fenced write or any other). */
  async get(key: string): Promise<string | null> {
    if (!this.redis.configured) return this.memory.get(key)?.value ?? null;
    return this.redis.get(LOCKS_REDIS_CONNECTION).get(key);
  }

  /**
   * Any one-key Redis command, run only if `fence` is not stale: `run(key, fence, 'HSET', 'title', t)`.
   * Throws `StaleFenceError` (409) when refused.
   */
  async run<T = unknown>(
    key: string,
    fence: number,
    command: string,
    ...args: Array<string | number>
  ): Promise<T> {
    const outcome = await this.tryRun<T>(key, fence, command, ...args);
    if (!outcome.accepted) throw LockMessages.staleFence(key, fence, outcome.storedFence);
    return outcome.result as T;
  }

  /** Like `run`, but reports a refusal in the result instead of throwing. */
  async tryRun<T = unknown>(
    key: string,
    fence: number,
    command: string,
    ...args: Array<string | number>
  ): Promise<FencedResult<T>> {
    const client = this.redis.get(LOCKS_REDIS_CONNECTION); // throws "set REDIS_URL" without Redis
    const [accepted, stored, result] = await FENCED_RUN.run<[number, number, T?]>(
      client,
      [key, `${key}:fence`],
      [fence, command, ...args],
    );
    return { accepted: accepted === 1, storedFence: Number(stored), result };
  }

  private async setIfFresh(
    key: string,
    value: string,
    fence: number,
    ttlMs?: number,
  ): Promise<FencedResult> {
    if (!this.redis.configured) {
      const stored = this.memory.get(key)?.fence ?? 0;
      if (fence < stored) return { accepted: false, storedFence: stored };
      this.memory.set(key, { value, fence });
      return { accepted: true, storedFence: stored };
    }
    return ttlMs === undefined
      ? this.tryRun(key, fence, 'SET', value)
      : this.tryRun(key, fence, 'SET', value, 'PX', ttlMs);
  }
}
