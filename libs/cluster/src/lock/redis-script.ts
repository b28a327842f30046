import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * A Lua script run by its SHA1 (EVALSHA), sent whole only when Redis does not know it yet
 * (after a restart or SCRIPT FLUSH): one short round trip per call, as redis-semaphore's own.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(
    private readonly source: string,
    private readonly keyCount: number,
  ) {
    this.sha = createHash('sha1').update(source, 'utf8').digest('hex');
  }

  async run<T>(client: Redis, keys: string[], args: Array<string | number>): Promise<T> {
    try {
      return (await client.evalsha(this.sha, this.keyCount, ...keys, ...args)) as T;
    } catch (error) {
      if (!String((error as Error | undefined)?.message).includes('NOSCRIPT')) throw error;
      return (await client.eval(this.source, this.keyCount, ...keys, ...args)) as T;
    }
  }
}
