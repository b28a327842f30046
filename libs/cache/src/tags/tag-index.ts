import { Cluster } from 'ioredis';
import type { RedisAccess } from '../redis-access';
import { randomBytes } from 'node:crypto';

/**
 * Where tags live: each tag's current version (flushing a tag gives it a new one, so every
 * namespace containing it changes) and the keys stored under it with their expiry (so a flush
 * can delete them and cleanup can forget expired ones).
 */
export interface TagIndex {
  versions(tags: string[]): Promise<string[]>;
  track(tags: string[], key: string, expiresAt: number): Promise<void>;
  /** Bumps the tags' versions and returns the keys that were stored under them. */
  flush(tags: string[]): Promise<string[]>;
  /** Forgets references to keys that have expired; returns how many were removed. */
  cleanup(now?: number): Promise<number>;
  /** Number of references held (for tests and statistics). */
  size(): Promise<number>;
}

const FOREVER = 8.64e15; // the latest Date JavaScript knows

export const newVersion = () => randomBytes(6).toString('base64url');

export class MemoryTagIndex implements TagIndex {
  private readonly tagVersions = new Map<string, string>();
  private readonly refs = new Map<string, Map<string, number>>();

  async versions(tags: string[]): Promise<string[]> {
    return tags.map((tag) => {
      let version = this.tagVersions.get(tag);
      if (!version) this.tagVersions.set(tag, (version = newVersion()));
      return version;
    });
  }

  async track(tags: string[], key: string, expiresAt: number): Promise<void> {
    for (const tag of tags) {
      let keys = this.refs.get(tag);
      if (!keys) this.refs.set(tag, (keys = new Map()));
      keys.set(key, expiresAt || FOREVER);
    }
  }

  async flush(tags: string[]): Promise<string[]> {
    const keys = new Set<string>();
    for (const tag of tags) {
      for (const key of this.refs.get(tag)?.keys() ?? []) keys.add(key);
      this.refs.delete(tag);
      this.tagVersions.set(tag, newVersion());
    }
    return [...keys];
  }

  async cleanup(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const [tag, keys] of this.refs) {
      for (const [key, expiresAt] of keys) {
        if (expiresAt <= now) {
          keys.delete(key);
          removed++;
        }
      }
      if (keys.size === 0) this.refs.delete(tag);
    }
    return removed;
  }

  async size(): Promise<number> {
    let n = 0;
    for (const keys of this.refs.values()) n += keys.size;
    return n;
  }
}

/**
 * Tags on Redis, through core's shared connection: `<prefix>cache:<store>:tagv:<tag>` holds the
 * version, `<prefix>cache:<store>:tagk:<tag>` a sorted set of keys scored by expiry.
 */
export class RedisTagIndex implements TagIndex {
  constructor(
    private readonly redis: RedisAccess,
    private readonly store: string,
  ) {}

  private versionKey = (tag: string) => this.redis.key('cache', this.store, 'tagv', tag);
  private refsKey = (tag: string) => this.redis.key('cache', this.store, 'tagk', tag);

  async versions(tags: string[]): Promise<string[]> {
    const client = this.redis.get();
    const found = await client.mget(...tags.map(this.versionKey));
    const missing = tags.filter((_, i) => !found[i]);
    if (missing.length === 0) return found as string[];
    // SET NX: when two nodes create a version at once, both then read the winner's.
    const pipeline = client.pipeline();
    for (const tag of missing) pipeline.set(this.versionKey(tag), newVersion(), 'NX');
    await pipeline.exec();
    return (await client.mget(...tags.map(this.versionKey))) as string[];
  }

  async track(tags: string[], key: string, expiresAt: number): Promise<void> {
    const pipeline = this.redis.get().pipeline();
    for (const tag of tags) pipeline.zadd(this.refsKey(tag), expiresAt || FOREVER, key);
    await pipeline.exec();
  }

  async flush(tags: string[]): Promise<string[]> {
    const client = this.redis.get();
    const pipeline = client.multi();
    for (const tag of tags) {
      pipeline.zrange(this.refsKey(tag), 0, -1);
      pipeline.del(this.refsKey(tag));
      pipeline.set(this.versionKey(tag), newVersion());
    }
    const results = (await pipeline.exec()) ?? [];
    const keys = new Set<string>();
    for (let i = 0; i < tags.length; i++)
      for (const key of (results[i * 3]?.[1] as string[]) ?? []) keys.add(key);
    return [...keys];
  }

  async cleanup(now = Date.now()): Promise<number> {
    const client = this.redis.get();
    let removed = 0;
    for await (const sets of this.tagSets())
      for (const set of sets) removed += await client.zremrangebyscore(set, '-inf', now);
    return removed;
  }

  async size(): Promise<number> {
    const client = this.redis.get();
    let n = 0;
    for await (const sets of this.tagSets()) for (const set of sets) n += await client.zcard(set);
    return n;
  }

  /** The keys of every tag's reference set; on a cluster, SCAN runs on each primary. */
  private async *tagSets(): AsyncIterable<string[]> {
    const client = this.redis.get();
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of nodes) {
      yield* node.scanStream({ match: this.refsKey('*'), count: 500 }) as AsyncIterable<string[]>;
    }
  }
}
