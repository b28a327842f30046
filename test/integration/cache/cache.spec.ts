import { LatticeModule } from '@lattice/core';
import {
  CacheModule,
  CacheModuleOptions,
  CacheRegistry,
  ClusterAccess,
  FOREVER,
  getCacheToken,
  LatticeCache,
} from '@lattice/cache';
import { INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { pause, waitFor } from '../../support/wait';

async function bootCache(
  env: Record<string, string>,
  options: CacheModuleOptions = {},
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      CacheModule.forRoot({
        tagCleanupIntervalMs: 0,
        ...options,
        stores: { sessions: { ttl: 1000 }, ...options.stores },
      }),
    ],
  })
  class CacheTestModule {}
  return NestFactory.createApplicationContext(CacheTestModule, {
    logger: false,
    abortOnError: false,
  });
}

/**
 * A TTL long enough that reading a value back right after writing it cannot outlive it, even on a
 * loaded machine; expiry is then awaited by polling, so the test takes about this long.
 */
const SHORT_TTL_MS = 1000;

/** The same suite on the in-process store and on Redis. */
function cacheSuite(
  driver: 'memory' | 'redis' | 'redis-cluster',
  env: () => Record<string, string>,
  options: CacheModuleOptions = {},
) {
  let app: INestApplicationContext;
  let cache: LatticeCache;

  beforeAll(async () => {
    app = await bootCache(env(), options);
    cache = app.get<LatticeCache>(getCacheToken());
  });
  afterAll(() => app?.close());

  it(`uses the ${driver} store`, () => {
    expect(cache.tagIndex.constructor.name).toBe(
      driver === 'memory' ? 'MemoryTagIndex' : 'RedisTagIndex',
    );
    expect(cache.settings.redis?.constructor.name).toBe(
      { memory: undefined, redis: 'RedisConnections', 'redis-cluster': 'ClusterAccess' }[driver],
    );
  });

  it('gets, sets, deletes and counts hits and misses', async () => {
    expect(await cache.get('plain')).toBeUndefined();
    await cache.set('plain', { answer: 42, list: [1, 'two'] });
    expect(await cache.get('plain')).toEqual({ answer: 42, list: [1, 'two'] });
    await cache.del('plain');
    expect(await cache.get('plain')).toBeUndefined();
    const stats = cache.stats();
    expect(stats.hits).toBeGreaterThanOrEqual(1);
    expect(stats.misses).toBeGreaterThanOrEqual(2);
    expect(stats.meanGetMs).toBeGreaterThan(0);
  });

  it('expires values after their ttl', async () => {
    await cache.set('short', 'lived', SHORT_TTL_MS);
    await cache.set('long', 'lived', 60_000);
    expect(await cache.get('short')).toBe('lived');
    await waitFor(async () => (await cache.get('short')) === undefined, {
      what: '"short" to expire',
    });
    expect(await cache.get('long')).toBe('lived');
  });

  it('keeps named stores apart', async () => {
    const sessions = app.get(CacheRegistry).get('sessions');
    await sessions.set('same-key', 'session value');
    await cache.set('same-key', 'default value');
    expect(await sessions.get('same-key')).toBe('session value');
    expect(await cache.get('same-key')).toBe('default value');
    expect(() => app.get(CacheRegistry).get('nope')).toThrow(
      'Cache store "nope" is not configured. Configured: default, sessions.',
    );
  });

  describe('tags (the cases of Laravel’s tagged cache tests)', () => {
    it('stores items in a namespace per tag set', async () => {
      await cache.tags(['bop', 'zap']).set('foo', 'bar');
      expect(await cache.tags(['bop', 'zap']).get('foo')).toBe('bar');
      expect(await cache.tags(['bop']).get('foo')).toBeUndefined();
      expect(await cache.tags(['zap', 'bop']).get('foo')).toBeUndefined(); // order is part of the set, as in Laravel
      expect(await cache.get('foo')).toBeUndefined();
    });

    it('flushing any tag of a set invalidates the items of every set containing it', async () => {
      await cache.tags(['people', 'artists']).set('john', 'doe');
      await cache.tags(['people', 'authors']).set('anne', 'rice');
      await cache.tags(['artists']).set('frida', 'kahlo');
      await cache.tags(['authors']).set('ursula', 'le guin');

      await cache.tags(['artists']).flush();

      expect(await cache.tags(['people', 'artists']).get('john')).toBeUndefined();
      expect(await cache.tags(['artists']).get('frida')).toBeUndefined();
      expect(await cache.tags(['people', 'authors']).get('anne')).toBe('rice');
      expect(await cache.tags(['authors']).get('ursula')).toBe('le guin');
    });

    it('deletes the flushed items from the store, not just hides them', async () => {
      await cache.tags(['gone']).set('item', 'value');
      const before = await cache.tagIndex.size();
      await cache.tags(['gone']).flush();
      expect(await cache.tagIndex.size()).toBeLessThan(before);
      // writing again after a flush works, in the new namespace
      await cache.tags(['gone']).set('item', 'again');
      expect(await cache.tags(['gone']).get('item')).toBe('again');
    });

    it('honours ttl per item and keeps forever items until a flush', async () => {
      await cache.tags(['ttl']).set('brief', 1, SHORT_TTL_MS);
      await cache.tags(['ttl']).forever('always', 2);
      expect(await cache.tags(['ttl']).get('brief')).toBe(1);
      await waitFor(async () => (await cache.tags(['ttl']).get('brief')) === undefined, {
        what: 'the tagged "brief" to expire',
      });
      expect(await cache.tags(['ttl']).get('always')).toBe(2);
      await cache.tags(['ttl']).flush();
      expect(await cache.tags(['ttl']).get('always')).toBeUndefined();
    });

    it('accepts tagged keys up to the key limit (the namespace prefix does not count)', async () => {
      const key = 'k'.repeat(250);
      await cache.tags(['long']).set(key, 'fits');
      expect(await cache.tags(['long']).get(key)).toBe('fits');
      await expect(cache.tags(['long']).set(`${key}!`, 'too long')).rejects.toMatchObject({
        code: 'LATTICE_CACHE_KEY_INVALID',
      });
    });

    it('deletes a single tagged item and wraps computations', async () => {
      const tagged = cache.tags(['wrap']);
      let runs = 0;
      expect(await tagged.wrap('x', () => ++runs)).toBe(1);
      expect(await tagged.wrap('x', () => ++runs)).toBe(1);
      await tagged.del('x');
      expect(await tagged.wrap('x', () => ++runs)).toBe(2);
    });

    it('cleans up references to expired keys, leaving the tag sets empty', async () => {
      const n = driver === 'memory' ? 100_000 : 20_000;
      await cache.tags(['cleanup-probe']).flush();
      const before = await cache.tagIndex.size();
      const tagged = cache.tags(['cleanup', `cleanup:${driver}`]);
      for (let i = 0; i < n; i += 1000) {
        await Promise.all(
          Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
            tagged.set(`k${i + j}`, i + j, 50),
          ),
        );
      }
      expect(await cache.tagIndex.size()).toBe(before + 2 * n);
      // A floor, not a guess: 100 ms after the last write, every 50 ms TTL has run out.
      await pause(100);
      expect(await cache.cleanupTags()).toBe(2 * n);
      expect(await cache.tagIndex.size()).toBe(before);
    }, 120_000);
  });

  it('computes a wrapped value once for concurrent callers', async () => {
    let runs = 0;
    const slow = async () => {
      runs++;
      await pause(50); // pacing: keeps the computation in flight while the others ask
      return 'computed';
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.wrap('stampede', slow, 5000)),
    );
    expect(results).toEqual(Array(20).fill('computed'));
    expect(runs).toBe(1);
  });

  it.each([
    ['an empty key', () => cache.set('', 1), 'LATTICE_CACHE_KEY_INVALID'],
    ['a key over the limit', () => cache.get('k'.repeat(251)), 'LATTICE_CACHE_KEY_INVALID'],
    [
      'a cyclic value',
      () => {
        const v: Record<string, unknown> = {};
        v.self = v;
        return cache.set('cyclic', v);
      },
      'LATTICE_CACHE_VALUE_INVALID',
    ],
    ['a BigInt', () => cache.set('big', 10n), 'LATTICE_CACHE_VALUE_INVALID'],
    ['undefined', () => cache.set('undef', undefined), 'LATTICE_CACHE_VALUE_INVALID'],
    [
      'a value over the size limit',
      () => cache.set('huge', 'x'.repeat(1_000_001)),
      'LATTICE_CACHE_VALUE_TOO_LARGE',
    ],
    ['no tags', () => cache.tags([]).get('x'), 'LATTICE_CACHE_TAGS_EMPTY'],
  ])('refuses %s with a clear error', async (_label, act, code) => {
    await expect(Promise.resolve().then(act)).rejects.toMatchObject({
      code,
      hint: expect.any(String),
    });
  });

  it('stores never expiring values with FOREVER', async () => {
    await cache.set('eternal', 'yes', FOREVER);
    expect(await cache.get('eternal')).toBe('yes');
  });
}

describe('cache [memory]', () => {
  cacheSuite('memory', () => ({}));
});

describeWith(['redis'], 'cache [redis]', () => {
  const prefix = uniqueRedisPrefix('cache');
  cacheSuite('redis', () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }));

  it('locks a wrapped computation across processes (two apps, one computation)', async () => {
    const [a, b] = await Promise.all([
      bootCache({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }),
      bootCache({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }),
    ]);
    try {
      const caches = [a, b].map((app) => app.get<LatticeCache>(getCacheToken()));
      // The computation ends only once both apps have tried the lock (SET … NX), so the loser
      // always finds it held, however slowly each app gets there on a loaded machine.
      const triedLock = caches.map((cache) => {
        const redis = cache.settings.redis!.get();
        const set = redis.set.bind(redis) as (...args: unknown[]) => Promise<unknown>;
        return new Promise<void>((tried) => {
          jest.spyOn(redis, 'set').mockImplementation((async (...args: unknown[]) => {
            const result = await set(...args);
            if (args.includes('NX')) tried();
            return result;
          }) as never);
        });
      });
      let runs = 0;
      const compute = async () => {
        runs++;
        await Promise.all(triedLock);
        return 'shared';
      };
      const results = await Promise.all(
        caches.map((cache) => cache.wrap('cross-process', compute, 5000)),
      );
      expect(results).toEqual(['shared', 'shared']);
      expect(runs).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describeWith(['redis-cluster'], 'cache [redis-cluster]', () => {
  const prefix = uniqueRedisPrefix('cache-cluster');
  cacheSuite('redis-cluster', () => ({ REDIS_KEY_PREFIX: prefix }), {
    default: { driver: 'redis-cluster', cluster: { nodes: TEST_REDIS_CLUSTER_NODES } },
  });

  it('keeps a store’s tag keys in one hash slot and spreads its values over the cluster', async () => {
    const app = await bootCache(
      { REDIS_KEY_PREFIX: prefix },
      { default: { driver: 'redis-cluster', cluster: { nodes: TEST_REDIS_CLUSTER_NODES } } },
    );
    try {
      const cache = app.get<LatticeCache>(getCacheToken());
      for (let i = 0; i < 60; i++) await cache.tags(['spread', `t${i % 5}`]).set(`k${i}`, i);
      const cluster = (cache.settings.redis as ClusterAccess).get();
      const slots = new Set<number>();
      const valueNodes = new Set<string>();
      for (const node of cluster.nodes('master')) {
        const keys = await node.keys(`${prefix}*`);
        for (const key of keys) {
          if (key.includes('{cache:default}'))
            slots.add(Number(await node.cluster('KEYSLOT', key)));
          else valueNodes.add(`${node.options.port}`);
        }
      }
      expect(slots.size).toBe(1);
      expect(valueNodes.size).toBeGreaterThan(1);
      await cache.tags(['t3']).flush();
      expect(await cache.tags(['spread', 't3']).get('k3')).toBeUndefined();
      expect(await cache.tags(['spread', 't4']).get('k4')).toBe(4);
    } finally {
      await app.close();
    }
  });

  it('refuses a cluster store without nodes, naming the fix', async () => {
    await expect(bootCache({}, { default: { driver: 'redis-cluster' } })).rejects.toMatchObject({
      code: 'LATTICE_CACHE_CLUSTER_NODES_MISSING',
    });
  });
});

describe('cache with Redis down', () => {
  it('serves misses and skips writes, logging the outage once, never failing the caller', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await bootCache({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const cache = app.get<LatticeCache>(getCacheToken());
      await expect(cache.set('k', 'v')).resolves.toBeUndefined();
      await expect(cache.get('k')).resolves.toBeUndefined();
      await expect(cache.tags(['t']).set('k', 'v')).resolves.toBeUndefined();
      expect(await cache.wrap('k', () => 'fresh')).toBe('fresh');
      const outage = warn.mock.calls.filter((c) => String(c[0]).includes('The cache store failed'));
      expect(outage).toHaveLength(1);
      expect(cache.stats().errors).toBeGreaterThan(0);
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });
});
