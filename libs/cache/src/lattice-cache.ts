import { Logger } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import type { Keyv } from 'keyv';
import { createHash, randomBytes } from 'node:crypto';
import { CacheMessages } from './cache.messages';
import type { CacheStats } from './cache.interfaces';
import type { RedisAccess } from './redis-access';
import type { TagIndex } from './tags/tag-index';

export interface LatticeCacheSettings {
  name: string;
  ttl: number;
  maxKeyLength: number;
  maxValueBytes: number;
  /** Set when the store is on Redis: `wrap()` then locks across processes. */
  redis?: RedisAccess;
  /** A store call slower than this counts as failed (Redis stores: 1 s), so an unreachable Redis cannot hang requests. */
  operationTimeoutMs?: number;
  /** Releases what the store holds open (connections, timers). */
  close?: () => Promise<void>;
  /**
   * Two-level mode: a per-process memory level in front of the shared store (`store`), kept for
   * at most `l1Ttl` ms and emptied of keys other nodes change (`announce` tells them).
   */
  l1?: { level: Keyv; ttl: number; announce: (keys: string[] | 'all') => Promise<void> };
}

/** A ttl that means "never expires". */
export const FOREVER = 0;

const LOCK_WAIT_MS = 5_000;
const RECOVERY_QUIET_MS = 5_000;
const LOCK_POLL_MS = 25;

/**
 * One named cache store. Values are JSON data; keys are checked; when the store fails (Redis
 * down), reads become misses and writes are skipped, each outage logged once, so a request never
 * fails because of the cache.
 *
 * @example
 * const top = await cache.wrap('questions:top', () => this.questions.top(), 30_000);
 * await cache.tags(['questions', `user:${id}`]).set(`profile:${id}`, profile);
 * await cache.tags(['questions']).flush();
 */
export class LatticeCache {
  private readonly logger: Logger;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly counters = { hits: 0, misses: 0, errors: 0, getTimeMs: 0 };
  private failing = false;
  private lastFailureAt = 0;

  constructor(
    readonly settings: LatticeCacheSettings,
    /** The underlying cache-manager instance, for anything this class does not wrap. */
    readonly store: Cache,
    readonly tagIndex: TagIndex,
  ) {
    this.logger = new Logger(`Cache:${settings.name}`);
  }

  get name(): string {
    return this.settings.name;
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.checkKey(key);
    return this.read<T>(key);
  }

  /** Stores `value` for `ttl` ms (default: the store's), or for ever with `FOREVER` (0). */
  async set<T>(key: string, value: T, ttl?: number): Promise<void> {
    this.checkKey(key);
    this.checkValue(key, value);
    await this.write(key, value, ttl);
  }

  /** @internal a get of a key already checked (TaggedCache's keys carry a namespace prefix). */
  async read<T>(key: string): Promise<T | undefined> {
    const started = performance.now();
    const l1 = this.settings.l1;
    let value = l1 ? ((await l1.level.get<T>(key)) ?? undefined) : undefined;
    if (value === undefined) {
      value = (await this.guard(() => this.store.get<T>(key), undefined)) ?? undefined;
      if (l1 && value !== undefined) await l1.level.set(key, value, l1.ttl);
    }
    this.counters.getTimeMs += performance.now() - started;
    if (value === undefined || value === null) this.counters.misses++;
    else this.counters.hits++;
    return value ?? undefined;
  }

  /** @internal a set of a key and value already checked. */
  async write<T>(key: string, value: T, ttl?: number): Promise<void> {
    const ms = this.ttlOf(ttl);
    await this.guard(() => this.store.set(key, value, ms), undefined);
    const l1 = this.settings.l1;
    if (l1) {
      await l1.level.set(key, value, Math.min(ms ?? l1.ttl, l1.ttl));
      await this.guard(() => l1.announce([key]), undefined);
    }
  }

  async del(...keys: string[]): Promise<void> {
    keys.forEach((key) => this.checkKey(key));
    await this.remove(keys);
  }

  /** @internal deletes keys already checked, from every level, and tells the other nodes. */
  async remove(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.guard(() => this.store.mdel(keys), undefined);
    const l1 = this.settings.l1;
    if (l1) {
      await l1.level.deleteMany(keys);
      await this.guard(() => l1.announce(keys), undefined);
    }
  }

  /** @internal drops keys (or everything) from this node's memory level, when another node changed them. */
  async forgetLocally(keys: string[] | 'all'): Promise<void> {
    const level = this.settings.l1?.level;
    if (!level) return;
    if (keys === 'all') await level.clear();
    else await level.deleteMany(keys);
  }

  /** Empties this store. */
  async clear(): Promise<void> {
    await this.guard(() => this.store.clear(), undefined);
    const l1 = this.settings.l1;
    if (l1) {
      await l1.level.clear();
      await this.guard(() => l1.announce('all'), undefined);
    }
  }

  /**
   * The cached value, or `compute()`'s result stored for `ttl` ms. One computation per key at a
   * time: concurrent callers in this process share it, and on Redis other processes wait for it
   * (a lock with `SET NX PX`), so an expired hot key does not stampede the database.
   */
  wrap<T>(key: string, compute: () => T | Promise<T>, ttl?: number): Promise<T> {
    this.checkKey(key);
    return this.wrapWith(key, compute, (value) => this.set(key, value, ttl));
  }

  /** @internal single-flight get-or-compute; `save` stores the computed value. */
  async wrapWith<T>(
    key: string,
    compute: () => T | Promise<T>,
    save: (value: T) => Promise<void>,
  ): Promise<T> {
    const cached = await this.read<T>(key);
    if (cached !== undefined) return cached;
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const work = this.computeOnce(key, compute, save).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  /** Items stored under these tags, with Laravel's semantics (see `TaggedCache`). */
  tags(tags: string[]): TaggedCache {
    if (!Array.isArray(tags) || tags.length === 0) throw CacheMessages.tagsEmpty();
    return new TaggedCache(this, tags);
  }

  /** Forgets tag references to keys that have expired (also run on a timer). */
  cleanupTags(now?: number): Promise<number> {
    return this.guard(() => this.tagIndex.cleanup(now), 0);
  }

  /** Closes the store's connections; called on application shutdown. */
  async close(): Promise<void> {
    await (this.settings.close ?? (() => this.store.disconnect().then(() => undefined)))().catch(
      () => undefined,
    );
  }

  stats(): CacheStats {
    const { hits, misses, errors, getTimeMs } = this.counters;
    const gets = hits + misses;
    return {
      hits,
      misses,
      errors,
      hitRate: gets ? hits / gets : 0,
      meanGetMs: gets ? getTimeMs / gets : 0,
    };
  }

  /** @internal used by TaggedCache */
  ttlOf(ttl: number | undefined): number | undefined {
    if (ttl === FOREVER) return undefined;
    return ttl ?? this.settings.ttl;
  }

  /** @internal used by TaggedCache: runs a store operation; a failure is a logged miss. */
  async guard<R>(operation: () => Promise<R>, fallback: R): Promise<R> {
    // Redis is known to be down: a miss now rather than one more deadline to wait out.
    if (this.settings.redis?.outages?.().size) {
      this.counters.errors++;
      return fallback;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      // Only a networked store can hang; memory calls skip the timer (it costs a third of a hit).
      const limit = this.settings.operationTimeoutMs;
      const result = limit
        ? await Promise.race([
            operation(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
            }),
          ])
        : await operation();
      // Recovered only after a quiet spell: a call that happens to succeed mid-outage is not a recovery.
      if (this.failing && Date.now() - this.lastFailureAt > RECOVERY_QUIET_MS) {
        this.failing = false;
        this.logger.log('The cache store answers again.');
      }
      return result;
    } catch (error) {
      this.counters.errors++;
      this.lastFailureAt = Date.now();
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          `The cache store failed (${error instanceof Error ? error.message : String(error)}); serving misses until it recovers.`,
        );
      }
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  /** @internal */
  checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0 || key.length > this.settings.maxKeyLength) {
      throw CacheMessages.keyInvalid(key, this.settings.maxKeyLength);
    }
  }

  /** @internal */
  checkValue(key: string, value: unknown): void {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (cause) {
      throw CacheMessages.valueNotSerializable(key, cause);
    }
    if (json === undefined)
      throw CacheMessages.valueNotSerializable(key, `${typeof value} is not JSON`);
    // A UTF-16 code unit is at most 3 bytes of UTF-8: short values need no exact count.
    if (json.length * 3 <= this.settings.maxValueBytes) return;
    const bytes = Buffer.byteLength(json);
    if (bytes > this.settings.maxValueBytes)
      throw CacheMessages.valueTooLarge(key, bytes, this.settings.maxValueBytes);
  }

  private async computeOnce<T>(
    key: string,
    compute: () => T | Promise<T>,
    save: (value: T) => Promise<void>,
  ): Promise<T> {
    const redis = this.settings.redis;
    if (!redis) {
      const value = await compute();
      await save(value);
      return value;
    }
    const lockKey = redis.key('cache', this.name, 'lock', key);
    const token = randomBytes(8).toString('hex');
    const locked = await this.guard(
      () => redis.get().set(lockKey, token, 'PX', LOCK_WAIT_MS, 'NX'),
      'OK',
    );
    if (locked !== 'OK') {
      // Another process computes it: wait for its result rather than hitting the source too.
      const deadline = Date.now() + LOCK_WAIT_MS;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
        const value = await this.guard(() => this.store.get<T>(key), undefined);
        if (value !== undefined && value !== null) return value;
      }
    }
    try {
      const value = await compute();
      await save(value);
      return value;
    } finally {
      if (locked === 'OK') {
        // Release only our own lock (it may have expired and been taken by someone else).
        await this.guard(
          () =>
            redis
              .get()
              .eval(
                "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
                1,
                lockKey,
                token,
              ),
          0,
        );
      }
    }
  }
}

/**
 * Items stored under a set of tags, as Laravel's tagged cache: each tag set is its own namespace
 * (`tags(['a','b'])` does not see what `tags(['a'])` stored), and flushing any tag invalidates
 * every item stored under a set that contains it.
 */
export class TaggedCache {
  constructor(
    private readonly cache: LatticeCache,
    readonly tagNames: string[],
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    return this.cache.read<T>(await this.keyFor(key));
  }

  async set<T>(key: string, value: T, ttl?: number): Promise<void> {
    await this.save(await this.keyFor(key), value, ttl, key);
  }

  /** Stores without expiry. */
  forever<T>(key: string, value: T): Promise<void> {
    return this.set(key, value, FOREVER);
  }

  async del(key: string): Promise<void> {
    await this.cache.remove([await this.keyFor(key)]);
  }

  /** Like `LatticeCache.wrap`, one computation at a time, stored under the tags. */
  async wrap<T>(key: string, compute: () => T | Promise<T>, ttl?: number): Promise<T> {
    const full = await this.keyFor(key);
    return this.cache.wrapWith(full, compute, (value) => this.save(full, value, ttl, key));
  }

  private async save<T>(
    full: string,
    value: T,
    ttl: number | undefined,
    key: string,
  ): Promise<void> {
    this.cache.checkValue(key, value);
    const ms = this.cache.ttlOf(ttl);
    await this.cache.write(full, value, ms ?? FOREVER);
    await this.cache.guard(
      () => this.cache.tagIndex.track(this.tagNames, full, ms ? Date.now() + ms : 0),
      undefined,
    );
  }

  /** Invalidates everything stored under any of these tags, and deletes it from the store. */
  async flush(): Promise<void> {
    const keys = await this.cache.guard(
      () => this.cache.tagIndex.flush(this.tagNames),
      [] as string[],
    );
    for (let i = 0; i < keys.length; i += 500) await this.cache.remove(keys.slice(i, i + 500));
  }

  private async keyFor(key: string): Promise<string> {
    this.cache.checkKey(key);
    const versions = await this.cache.guard(
      () => this.cache.tagIndex.versions(this.tagNames),
      null,
    );
    // Without the versions (store down) use a namespace no one has written to: a miss.
    const namespace = versions
      ? this.tagNames.map((tag, i) => `${tag}:${versions[i]}`).join('|')
      : `unavailable:${Date.now()}`;
    return `tagged:${createHash('sha1').update(namespace).digest('hex').slice(0, 20)}:${key}`;
  }
}
