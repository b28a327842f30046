import { RedisConnections } from '@lattice/core';
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
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly redis: RedisConnections) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = this.redis.key('security', 'throttle', `{${throttlerName}:${key}}`);
    const [totalHits, expiresInMs, blocked, blockedForMs] = await this.client().latticeThrottleHit(
      base,
      `${base}:blocked`,
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits,
      timeToExpire: Math.max(0, Math.ceil(expiresInMs / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockedForMs / 1000)),
    };
  }

  private client(): WithHit {
    const client = this.redis.get() as WithHit;
    if (typeof client.latticeThrottleHit !== 'function')
      client.defineCommand('latticeThrottleHit', { numberOfKeys: 2, lua: HIT });
    return client;
  }
}
