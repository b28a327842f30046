import type { Cluster, Redis } from 'ioredis';

/**
 * What a Redis-backed store needs besides its values: a client for tags and locks, and the
 * key layout. Core's `RedisConnections` is one (a single Redis); a cluster store brings its own.
 */
export interface RedisAccess {
  get(): Redis | Cluster;
  key(...parts: string[]): string;
  /**
   * Connections known to be down (core's `RedisConnections` tracks them): while any is, the
   * cache serves misses at once instead of waiting for each operation's deadline.
   */
  outages?(): ReadonlyMap<string, string>;
}

/**
 * A Redis Cluster for one store. Its tag and lock keys share one hash slot (`{cache:<store>}`),
 * so the multi-key reads and transactions of tags stay legal; values spread over the cluster.
 */
export class ClusterAccess implements RedisAccess {
  constructor(
    private readonly cluster: Cluster,
    private readonly prefix: string,
  ) {}

  get(): Cluster {
    return this.cluster;
  }

  /** `key('cache', 'sessions', 'tagv', 'user:1')` → `<prefix>{cache:sessions}:tagv:user:1` */
  key(...parts: string[]): string {
    const [area, store, ...rest] = parts;
    return `${this.prefix}{${area}:${store}}${rest.length ? `:${rest.join(':')}` : ''}`;
  }

  async close(): Promise<void> {
    await this.cluster.quit().catch(() => this.cluster.disconnect());
  }
}
