import { LatticeDrivers, PubSub, RedisConnections } from '@lattice/core';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { STATE_MODULE_OPTIONS } from '../state.constants';
import type { StateModuleOptions, StoreKind } from '../state.interfaces';
import { StateMessages } from '../state.messages';
import { DistributedStateStore } from './distributed-state.store';
import { MemoryStateStore } from './memory-state.store';
import { RedisStateStore } from './redis-state.store';
import { SqlStateStore } from './sql-state.store';
import type { StateStore } from './state-store';

/**
 * The stores in use, one per kind, opened on first use and closed at shutdown. The default
 * kind follows core's driver selection (Redis with REDIS_URL, memory otherwise); a shared
 * store is wrapped in `DistributedStateStore` whenever PubSub reaches other nodes.
 */
@Injectable()
export class StateStores implements OnApplicationShutdown {
  private readonly logger = new Logger('State');
  private readonly stores = new Map<StoreKind, StateStore>();
  private readonly starting: Promise<void>[] = [];

  constructor(
    @Inject(STATE_MODULE_OPTIONS) private readonly options: StateModuleOptions,
    private readonly drivers: LatticeDrivers,
    private readonly redis: RedisConnections,
    private readonly pubsub: PubSub,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The kind used by definitions that do not choose one. */
  get defaultKind(): StoreKind {
    return this.options.store ?? (this.drivers.for('state') === 'redis' ? 'redis' : 'memory');
  }

  get(kind: StoreKind = this.defaultKind): StateStore {
    let store = this.stores.get(kind);
    if (!store) {
      store = this.create(kind);
      this.stores.set(kind, store);
    }
    return store;
  }

  /** Opens a store and waits until it hears other nodes (used at bootstrap). */
  async open(kind: StoreKind = this.defaultKind): Promise<StateStore> {
    const store = this.get(kind);
    await Promise.all(this.starting);
    return store;
  }

  opened(): StateStore[] {
    return [...this.stores.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.starting);
    await Promise.all([...this.stores.values()].map((store) => store.close()));
    this.stores.clear();
  }

  private create(kind: StoreKind): StateStore {
    if (kind === 'memory') return new MemoryStateStore();
    const shared =
      kind === 'redis'
        ? new RedisStateStore(this.redis.get('state'), this.redis.key('state', ''))
        : new SqlStateStore(this.dataSource());
    if (this.pubsub.driver !== 'redis') return shared;
    const distributed = new DistributedStateStore(shared, this.pubsub);
    this.starting.push(
      distributed.start().catch((error: unknown) => {
        this.logger.warn(`State changes from other nodes are not heard: ${String(error)}`);
      }),
    );
    return distributed;
  }

  private dataSource(): DataSource {
    try {
      // Resolved on first use, so apps that never use the SQL store need no database.
      return this.moduleRef.get(DataSource, { strict: false });
    } catch {
      throw StateMessages.storeNeedsDatabase();
    }
  }
}
