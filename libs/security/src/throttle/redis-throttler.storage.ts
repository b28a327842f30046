import { RedisConnections } from '@lattice/core';
import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

// One round trip, atomic: count the hit in a fixed window, and block the key once over the limit.
// KEYS[1] hits, KEYS[2] block marker; ARGV ttl ms, limit, block ms.
// Returns { hits, ms until the window resets, blocked (0/1), ms until the block ends }.
const HIT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  return { tonumber(redis.call('GET', KEYS[1]) or ARGV[2]) + 1, redis.call('PTTL', KEYS[1]), 1, blocked }
end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', block)
    redis.call('PEXPIRE', KEYS[1], block)
    return { hits, block, 1, block }
  end
  return { hits, ttl, 1, ttl }
end
return { hits, ttl, 0, 0 }
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type WithHit = Redis & {
  latticeThrottleHit(
    hits: string,
    block: string,
    ttlMs: number,
    limit: number,
    blockMs: number,
  ): Promise<[number, number, number, number]>;
};

/**
 * `@nestjs/throttler` storage on core's Redis connection, so every node counts the same hits.
 * Keys are `<REDIS_KEY_PREFIX>security:throttle:{<key>}` (one hash slot per key, for clusters).
 * When Redis does not answer, requests are let through (and a warning logged at most once a
 * minute): a rate limit must not turn a Redis outage into an outage of every route.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('Security');
  private warnedAt = 0;

  constructor(private readonly redis: RedisConnections) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = this.redis.key('security', 'throttle', `{${throttlerName}:${key}}`);
    let answer: [number, number, number, number];
    try {
      answer = await this.client().latticeThrottleHit(
        base,
        `${base}:blocked`,
        ttl,
        limit,
        blockDuration,
      );
    } catch (error) {
      if (Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now();
        this.logger.warn(`Rate limits are not counted while Redis fails: ${String(error)}`);
      }
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
    const [totalHits, expiresInMs, blocked, blockedForMs] = answer;
    return {
      totalHits,
      timeToExpire: Math.max(0, Math.ceil(expiresInMs / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockedForMs / 1000)),
    };
  }

  private client(): WithHit {
    // Its own connection that gives up quickly: a request waits for its count, so while Redis
    // is away or silent a command fails within a second (and the request goes through uncounted).
    const client = this.redis.get('throttle', {
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
    }) as WithHit;
    if (typeof client.latticeThrottleHit !== 'function')
      client.defineCommand('latticeThrottleHit', { numberOfKeys: 2, lua: HIT });
    return client;
  }
}
