import { LatticeDrivers, RedisConnections } from '@lattice/core';
import {
  DynamicModule,
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Provider,
} from '@nestjs/common';
import { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { CACHE_MODULE_OPTIONS, DEFAULT_CACHE_STORE, getCacheToken } from './cache.constants';
import type {
  CacheModuleAsyncOptions,
  CacheModuleOptions,
  CacheStoreOptions,
} from './cache.interfaces';
import { CacheRegistry } from './cache.registry';
import { LatticeCache } from './lattice-cache';
import { MemoryTagIndex, RedisTagIndex } from './tags/tag-index';

@Module({})
class CacheOptionsModule {}

/** Creates, times and closes the stores. */
class CacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger('Cache');

  constructor(
    private readonly registry: CacheRegistry,
    @Inject(CACHE_MODULE_OPTIONS) private readonly options: CacheModuleOptions,
  ) {}

  onModuleInit(): void {
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
    await Promise.all(this.registry.all().map((cache) => cache.close()));
  }
}

/**
 * Named cache stores on cache-manager 7 and Keyv: memory (bounded LRU) by default, Redis when
 * core selects it (REDIS_URL), with Laravel-style tags, single-flight `wrap()` and statistics.
 *
 * @example
 * @Module({ imports: [CacheModule.forRoot({ stores: { sessions: { ttl: 3_600_000 } } })] })
 * export class AppModule {}
 * // then: constructor(@InjectCache() private readonly cache: LatticeCache) {}
 */
@Module({})
export class CacheModule {
  static forRoot(options: CacheModuleOptions = {}): DynamicModule {
    return CacheModule.forRootAsync({
      useFactory: () => options,
      storeNames: Object.keys(options.stores ?? {}),
    });
  }

  /**
   * Options from a factory. The names of the extra stores must be known when the module is
   * built (they become injection tokens), so list them in `storeNames`.
   */
  static forRootAsync(async: CacheModuleAsyncOptions & { storeNames?: string[] }): DynamicModule {
    const optionsModule: DynamicModule = {
      module: CacheOptionsModule,
      imports: async.imports ?? [],
      providers: [
        { provide: CACHE_MODULE_OPTIONS, useFactory: async.useFactory, inject: async.inject ?? [] },
      ],
      exports: [CACHE_MODULE_OPTIONS],
    };
    const names = [
      DEFAULT_CACHE_STORE,
      ...(async.storeNames ?? []).filter((n) => n !== DEFAULT_CACHE_STORE),
    ];
    const stores: Provider[] = names.map((name) => ({
      provide: getCacheToken(name),
      inject: [CacheRegistry],
      useFactory: (registry: CacheRegistry) => registry.get(name),
    }));
    return {
      module: CacheModule,
      global: true,
      imports: [optionsModule],
      providers: [
        {
          provide: CacheRegistry,
          inject: [CACHE_MODULE_OPTIONS, LatticeDrivers, RedisConnections],
          useFactory: (
            options: CacheModuleOptions,
            drivers: LatticeDrivers,
            redis: RedisConnections,
          ) =>
            new CacheRegistry(
              Object.fromEntries(
                names.map((name) => {
                  const store =
                    (name === DEFAULT_CACHE_STORE ? options.default : options.stores?.[name]) ?? {};
                  return [name, createStore(name, store, options, drivers, redis)];
                }),
              ),
            ),
        },
        CacheLifecycle,
        ...stores,
      ],
      exports: [CacheRegistry, ...stores.map((p) => (p as { provide: string }).provide)],
    };
  }
}

function createStore(
  name: string,
  store: CacheStoreOptions,
  options: CacheModuleOptions,
  drivers: LatticeDrivers,
  redis: RedisConnections,
): LatticeCache {
  const driver = store.driver ?? (drivers.for('cache') === 'redis' ? 'redis' : 'memory');
  const settings = {
    name,
    ttl: store.ttl ?? 60_000,
    maxKeyLength: options.maxKeyLength ?? 250,
    maxValueBytes: options.maxValueBytes ?? 1_000_000,
  };
  if (driver === 'redis') {
    const target = drivers.requireRedis(`The cache store "${name}"`);
    const keyv = createKeyv(target.url, {
      namespace: `${target.keyPrefix}cache:${name}`,
      keyPrefixSeparator: ':',
      // fail fast while Redis is unreachable; LatticeCache turns failures into misses
      throwOnConnectError: true,
      connectionTimeout: 1000,
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
      { ...settings, redis, close, operationTimeoutMs: 1000 },
      createCache({ stores: [keyv] }),
      new RedisTagIndex(redis, name),
    );
  }
  const memory = new Keyv({
    // No sweep timer (it would keep the process alive): expired entries go when read, and the LRU bounds the size.
    store: new CacheableMemory({ lruSize: store.lruSize ?? 10_000 }),
  });
  return new LatticeCache(settings, createCache({ stores: [memory] }), new MemoryTagIndex());
}
