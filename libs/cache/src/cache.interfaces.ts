/**
 * `memory`: this process only. `redis`: shared by every node. `two-level`: a memory level in
 * front of Redis, each node's memory level emptied of keys other nodes change (through core's PubSub).
 * `redis-cluster`: shared, on a Redis Cluster (`cluster.nodes`).
 */
export type CacheDriver = 'memory' | 'redis' | 'two-level' | 'redis-cluster';

/** One named store. */
export interface CacheStoreOptions {
  /** Default: what core selects (`memory`, or `redis` when REDIS_URL is set). */
  driver?: CacheDriver;
  /** Default time to live in ms (default 60 s). */
  ttl?: number;
  /** Most entries kept in memory before the least recently used go (default 10,000). */
  lruSize?: number;
  /** Two-level only: how long the memory level keeps a value, at most (default 5 s). */
  l1Ttl?: number;
  /** `redis-cluster` only: some of the cluster's nodes (`redis://host:7000`); the rest are discovered. */
  cluster?: { nodes: string[] };
}

export interface CacheModuleOptions {
  /** The store `@InjectCache()` gives. */
  default?: CacheStoreOptions;
  /** More stores by name: `@InjectCache('sessions')`. */
  stores?: Record<string, CacheStoreOptions>;
  /** Longest key accepted (default 250 characters). */
  maxKeyLength?: number;
  /** Largest value accepted, as JSON (default 1 MB). */
  maxValueBytes?: number;
  /** How often expired keys are removed from tag sets, in ms (default 60 s; 0 = never). */
  tagCleanupIntervalMs?: number;
}

/** Hit/miss counts and the mean time of a get, since start. */
export interface CacheStats {
  hits: number;
  misses: number;
  hitRate: number;
  errors: number;
  meanGetMs: number;
}
