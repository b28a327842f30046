import { LatticeDrivers, PubSub, RedisConnections } from '@lattice/core';
import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
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
const START_TIMEOUT_MS = 2000;

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
    /** DatabaseModule's connection, for the 'sql' store; apps without one need no database. */
    @Optional() private readonly dataSource?: DataSource,
  ) {
    // The module's own store is checked at boot; a definition's own `store` on first use.
    this.check(this.defaultKind);
  }

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

  /**
   * Opens a store and waits until it hears other nodes (used at bootstrap), but never longer
   * than `START_TIMEOUT_MS`: a Redis outage must not block the start; the subscription
   * completes when Redis is back, and StateManager fills any missed versions from the store.
   */
  async open(kind: StoreKind = this.defaultKind): Promise<StateStore> {
    const store = this.get(kind);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS);
    });
    const started = await Promise.race([Promise.all(this.starting), timeout]);
    clearTimeout(timer);
    if (started === 'timeout')
      this.logger.warn(
        `The ${kind} state store does not hear other nodes yet (Redis is not answering); starting anyway.`,
      );
    return store;
  }

  opened(): StateStore[] {
    return [...this.stores.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.stores.values()].map((store) => store.close()));
    this.stores.clear();
  }

  /** What the kind needs is there: DatabaseModule for 'sql', REDIS_URL for 'redis'. */
  private check(kind: StoreKind): void {
    if (kind === 'sql' && !this.dataSource) throw StateMessages.storeNeedsDatabase();
    if (kind === 'redis') this.drivers.requireRedis("The 'redis' state store");
  }

  private create(kind: StoreKind): StateStore {
    this.check(kind);
    if (kind === 'memory') return new MemoryStateStore();
    const shared =
      kind === 'redis'
        ? new RedisStateStore(
            // Fail fast while Redis is down instead of queueing commands for a minute.
            this.redis.get('state', { maxRetriesPerRequest: 2 }),
            this.redis.key('state', ''),
          )
        : new SqlStateStore(this.dataSource!);
    if (this.pubsub.driver !== 'redis') return shared;
    const distributed = new DistributedStateStore(shared, this.pubsub);
    this.starting.push(
      distributed.start().catch((error: unknown) => {
        this.logger.warn(`State changes from other nodes are not heard: ${String(error)}`);
      }),
    );
    return distributed;
  }
}
