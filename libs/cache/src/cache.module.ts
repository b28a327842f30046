import {
  bootReportPart,
  LatticeConfig,
  LatticeDrivers,
  PubSub,
  RedisConnections,
  Unsubscribe,
} from '@lattice/core';
import {
  DynamicModule,
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import KeyvRedis, { createKeyv, type RedisClusterOptions } from '@keyv/redis';
import { Cluster } from 'ioredis';
import { createCache } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { CACHE_MODULE_OPTIONS, DEFAULT_CACHE_STORE, getCacheToken } from './cache.constants';
import type { CacheModuleOptions, CacheStoreOptions } from './cache.interfaces';
import {
  CACHE_ASYNC_OPTIONS_TYPE,
  CACHE_OPTIONS_TYPE,
  CacheConfigurableModule,
} from './cache.module-definition';
import { CacheMessages } from './cache.messages';
import { CacheRegistry } from './cache.registry';
import { ClusterAccess } from './redis-access';
import { LatticeCache } from './lattice-cache';
import { MemoryTagIndex, RedisTagIndex } from './tags/tag-index';

/** The store names known when the module was built (they have injection tokens). */
const CACHE_STORE_NAMES = Symbol('lattice:cache:store-names');

/** The PubSub topic that carries two-level invalidations between nodes. */
export const INVALIDATION_TOPIC = 'lattice.cache.invalidate';

interface Invalidation {
  store: string;
  keys: string[] | 'all';
}

/** Creates, times and closes the stores. */
class CacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: Unsubscribe | undefined;
  private readonly logger = new Logger('Cache');

  constructor(
    private readonly registry: CacheRegistry,
    private readonly pubsub: PubSub,
    @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.registry.all().some((cache) => cache.settings.l1)) {
      this.unsubscribe = await this.pubsub.subscribe<Invalidation>(
        INVALIDATION_TOPIC,
        async (message, meta) => {
          if (meta.local) return; // this node already updated its own memory level
          await this.registry.get(message.store).forgetLocally(message.keys);
        },
      );
    }
    const every = this.options.tagCleanupIntervalMs ?? 60_000;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      for (const cache of this.registry.all()) {
        cache
          .cleanupTags()
          .catch((error: unknown) => this.logger.warn(`Tag cleanup failed: ${String(error)}`));
      }
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.unsubscribe?.();
    await Promise.all(this.registry.all().map((cache) => cache.close()));
  }
}

/**
 * Named cache stores on cache-manager 7 and Keyv: memory (bounded LRU) by default, Redis when
 * core selects it (REDIS_URL), with Laravel-style tags, single-flight `wrap()` and statistics.
 * Global unless `isGlobal: false`; options are checked at boot (`cacheOptionsSchema`).
 *
 * @example
 * @Module({ imports: [CacheModule.forRoot({ stores: { sessions: { ttl: 3_600_000 } } })] })
 * export class AppModule {}
 * // then: constructor(@InjectCache() private readonly cache: LatticeCache) {}
 */
@Module({
  providers: [
    {
      provide: CacheRegistry,
      inject: [
        CACHE_MODULE_OPTIONS,
        CACHE_STORE_NAMES,
        LatticeDrivers,
        RedisConnections,
        PubSub,
        LatticeConfig,
      ],
      useFactory: (
        options: CacheModuleOptions,
        storeNames: string[],
        drivers: LatticeDrivers,
        redis: RedisConnections,
        pubsub: PubSub,
        config: LatticeConfig,
      ) => {
        const names = new Set([
          DEFAULT_CACHE_STORE,
          ...storeNames,
          ...Object.keys(options.stores ?? {}),
        ]);
        return new CacheRegistry(
          Object.fromEntries(
            [...names].map((name) => {
              const store =
                (name === DEFAULT_CACHE_STORE ? options.default : options.stores?.[name]) ?? {};
              return [name, createStore(name, store, options, drivers, redis, pubsub, config)];
            }),
          ),
        );
      },
    },
    CacheLifecycle,
    bootReportPart('cache'),
  ],
  exports: [CacheRegistry],
})
export class CacheModule extends CacheConfigurableModule {
  /** The stores named in `options.stores` can be injected with `@InjectCache(name)`. */
  static forRoot(options: typeof CACHE_OPTIONS_TYPE = {}): DynamicModule {
    return withStoreTokens(super.forRoot(options), Object.keys(options.stores ?? {}));
  }

  /**
   * Options from `useFactory`, `useClass` or `useExisting`. The names of the extra stores must
   * be known when the module is built (they become injection tokens), so list them in `storeNames`.
   */
  static forRootAsync(options: typeof CACHE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withStoreTokens(super.forRootAsync(options), options.storeNames ?? []);
  }
}

/** One provider per store name, `@InjectCache(name)`'s token, exported with the module. */
function withStoreTokens(definition: DynamicModule, extraNames: string[]): DynamicModule {
  const names = [...new Set([DEFAULT_CACHE_STORE, ...extraNames])];
  const stores: Provider[] = names.map((name) => ({
    provide: getCacheToken(name),
    inject: [CacheRegistry],
    useFactory: (registry: CacheRegistry) => registry.get(name),
  }));
  return {
    ...definition,
    providers: [
      ...(definition.providers ?? []),
      { provide: CACHE_STORE_NAMES, useValue: names },
      ...stores,
    ],
    exports: [...(definition.exports ?? []), ...names.map((name) => getCacheToken(name))],
  };
}

function createStore(
  name: string,
  store: CacheStoreOptions,
  options: CacheModuleOptions,
  drivers: LatticeDrivers,
  redis: RedisConnections,
  pubsub: PubSub,
  config: LatticeConfig,
): LatticeCache {
  const driver = store.driver ?? (drivers.for('cache') === 'redis' ? 'redis' : 'memory');
  const settings = {
    name,
    ttl: store.ttl ?? 60_000,
    maxKeyLength: options.maxKeyLength ?? 250,
    maxValueBytes: options.maxValueBytes ?? 1_000_000,
  };
  const memoryLevel = () =>
    // No sweep timer (it would keep the process alive): expired entries go when read, and the LRU bounds the size.
    new Keyv({ store: new CacheableMemory({ lruSize: store.lruSize ?? 10_000 }) });
  if (driver === 'redis-cluster') {
    const nodes = store.cluster?.nodes ?? [];
    if (nodes.length === 0) throw CacheMessages.clusterNodesMissing(name);
    const prefix = config.get('REDIS_KEY_PREFIX'); // REDIS_URL may be unset: the cluster is named here
    const keyv = new Keyv(
      new KeyvRedis({ rootNodes: nodes.map((url) => ({ url })) } as RedisClusterOptions, {
        namespace: `${prefix}cache:${name}`,
        keyPrefixSeparator: ':',
        throwOnConnectError: true,
        connectionTimeout: 1000,
      }),
      { namespace: `${prefix}cache:${name}`, useKeyPrefix: false },
    );
    keyv.throwOnErrors = true;
    keyv.on('error', () => undefined);
    const access = new ClusterAccess(new Cluster(nodes), prefix);
    access.get().on('error', () => undefined); // failures surface from each call
    const client = (
      keyv.store as {
        client?: { destroy?: () => void; close?: () => Promise<void>; isOpen?: boolean };
      }
    ).client;
    return new LatticeCache(
      {
        ...settings,
        redis: access,
        operationTimeoutMs: 1000,
        close: async () => {
          if (client?.isOpen) await client.close?.();
          else client?.destroy?.();
          await access.close();
        },
      },
      createCache({ stores: [keyv] }),
      new RedisTagIndex(access, name),
    );
  }
  if (driver === 'redis' || driver === 'two-level') {
    const target = drivers.requireRedis(`The cache store "${name}"`);
    const keyv = createKeyv(target.url, {
      namespace: `${target.keyPrefix}cache:${name}`,
      keyPrefixSeparator: ':',
      // fail fast while Redis is unreachable; LatticeCache turns failures into misses
      throwOnConnectError: true,
      connectionTimeout: target.connectTimeoutMs,
    });
    keyv.on('error', () => undefined); // failures surface from each call; LatticeCache logs them once
    const client = (
      keyv.store as {
        client?: { destroy?: () => void; close?: () => Promise<void>; isOpen?: boolean };
      }
    ).client;
    const close = async () => {
      // A client still reconnecting is not "open", so close() would leave its retry timer running.
      if (client?.isOpen) await client.close?.();
      else client?.destroy?.();
    };
    return new LatticeCache(
      {
        ...settings,
        redis,
        close,
        operationTimeoutMs: target.commandTimeoutMs, // REDIS_COMMAND_TIMEOUT_MS, as core's connections
        ...(driver === 'two-level' && {
          l1: {
            level: memoryLevel(),
            ttl: store.l1Ttl ?? 5_000,
            announce: (keys: string[] | 'all') =>
              pubsub.publish<Invalidation>(INVALIDATION_TOPIC, { store: name, keys }),
          },
        }),
      },
      createCache({ stores: [keyv] }),
      new RedisTagIndex(redis, name),
    );
  }
  return new LatticeCache(settings, createCache({ stores: [memoryLevel()] }), new MemoryTagIndex());
}
