import type Redis from 'ioredis';

/**
 * The few node-redis v5 calls connect-redis 10 makes, answered by an ioredis connection of core's
 * `RedisConnections`: so sessions use the app's one Redis configuration, its command deadline and
 * its fail-fast behaviour during an outage, instead of a second client of another library.
 * connect-redis is pinned to the version this was written against (see decision 0043).
 */
export class NodeRedisFacade {
  constructor(private readonly client: Redis) {}

  get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(
    key: string,
    value: string,
    options?: { expiration?: { type: 'EX' | 'PX'; value: number } },
  ): Promise<unknown> {
    const expiration = options?.expiration;
    if (!expiration) return this.client.set(key, value);
    return expiration.type === 'PX'
      ? this.client.set(key, value, 'PX', expiration.value)
      : this.client.set(key, value, 'EX', expiration.value);
  }

  expire(key: string, seconds: number): Promise<number> {
    return this.client.expire(key, seconds);
  }

  del(keys: string | string[]): Promise<number> {
    const list = Array.isArray(keys) ? keys : [keys];
    return list.length ? this.client.del(...list) : Promise.resolve(0);
  }

  mGet(keys: string[]): Promise<Array<string | null>> {
    return this.client.mget(...keys);
  }

  /** Yields the keys matching `MATCH` in batches, as node-redis v5's `scanIterator` does. */
  async *scanIterator(options: { MATCH: string; COUNT?: number }): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(
        cursor,
        'MATCH',
        options.MATCH,
        'COUNT',
        options.COUNT ?? 100,
      );
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}
