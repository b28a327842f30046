import type { RedisConnections } from '@lattice/core';
import type { QueryResultCache } from 'typeorm/cache/QueryResultCache';
import type { QueryResultCacheOptions } from 'typeorm/cache/QueryResultCacheOptions';
import { createHash } from 'node:crypto';

/**
 * TypeORM's query result cache on Redis, through core's shared connection (TypeORM's own
 * "ioredis" cache would open a second one). Keys: `<prefix>qcache:<identifier>`, or a hash of
 * the SQL for queries cached without an identifier; Redis expires them with the duration.
 */
export class RedisQueryResultCache implements QueryResultCache {
  constructor(private readonly redis: RedisConnections) {}

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {} // the connection belongs to RedisConnections
  async synchronize(): Promise<void> {}

  async getFromCache(
    options: QueryResultCacheOptions,
  ): Promise<QueryResultCacheOptions | undefined> {
    const key = this.key(options);
    if (!key) return undefined;
    const raw = await this.redis.get().get(key);
    return raw ? (JSON.parse(raw) as QueryResultCacheOptions) : undefined;
  }

  async storeInCache(options: QueryResultCacheOptions): Promise<void> {
    const key = this.key(options);
    if (!key) return;
    await this.redis
      .get()
      .set(key, JSON.stringify(options), 'PX', Math.max(1, Math.ceil(options.duration)));
  }

  isExpired(saved: QueryResultCacheOptions): boolean {
    return (saved.time ?? 0) + saved.duration < Date.now();
  }

  async clear(): Promise<void> {
    const client = this.redis.get();
    const stream = client.scanStream({ match: this.redis.key('qcache', '*'), count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>)
      if (keys.length) await client.unlink(...keys);
  }

  async remove(identifiers: string[]): Promise<void> {
    if (identifiers.length)
      await this.redis.get().unlink(...identifiers.map((id) => this.redis.key('qcache', id)));
  }

  private key(options: QueryResultCacheOptions): string | undefined {
    if (options.identifier) return this.redis.key('qcache', options.identifier);
    if (options.query)
      return this.redis.key(
        'qcache',
        'sql',
        createHash('sha1').update(options.query).digest('hex'),
      );
    return undefined;
  }
}
