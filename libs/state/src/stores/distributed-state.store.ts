import { Logger } from '@nestjs/common';
import type { PubSub, Unsubscribe } from '@lattice/core';
import { STATE_APPENDED_TOPIC } from '../state.constants';
import type { PendingEvent, Snapshot, StateEvent, VersionRange } from '../state.interfaces';
import type { EntityManager } from 'typeorm';
import { afterCommit } from './after-commit';
import { type AppendOptions, StateStore } from './state-store';

interface AppendedMessage {
  store: string;
  /** One list per append, in append order. */
  appends: StateEvent[][];
}

/**
 * A shared store (Redis, or SQL) plus notifications through core's PubSub, for several
 * nodes: every node hears every append. PubSub may drop a message; StateManager fills any
 * version gap from the store, so subscribers still see each change once, in order.
 */
export class DistributedStateStore extends StateStore {
  readonly kind: string;
  private readonly logger = new Logger('State');
  private unsubscribe?: Promise<Unsubscribe>;
  private readonly outbox: StateEvent[][] = [];

  constructor(
    private readonly inner: StateStore,
    private readonly pubsub: PubSub,
  ) {
    super();
    this.kind = inner.kind;
  }

  /** Starts hearing other nodes; resolves once the subscription is active. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.pubsub.subscribe<AppendedMessage>(
      STATE_APPENDED_TOPIC,
      (message, meta) => {
        if (meta.local || message.store !== this.kind) return;
        for (const events of message.appends) this.emitAppended(events);
      },
    );
    await this.unsubscribe;
  }

  async append(
    streamId: string,
    events: PendingEvent[],
    expectedVersion: number,
    options: AppendOptions = {},
  ): Promise<StateEvent[]> {
    const stored = await this.inner.append(streamId, events, expectedVersion, options);
    if (stored.length === 0) return stored;
    const tell = () => {
      this.emitAppended(stored);
      this.announce(stored);
    };
    // Other nodes are told what they can read: in a transaction, once it commits.
    if (options.transaction) afterCommit(options.transaction, tell);
    else tell();
    return stored;
  }

  /** Appends of one tick leave in one message: under load that halves the Redis commands. */
  private announce(events: StateEvent[]): void {
    this.outbox.push(events);
    if (this.outbox.length > 1) return;
    setImmediate(() => {
      const appends = this.outbox.splice(0);
      this.pubsub
        .publish<AppendedMessage>(STATE_APPENDED_TOPIC, { store: this.kind, appends })
        .catch((error: unknown) => {
          // Other nodes catch up from the store on their next read or notification.
          this.logger.warn(
            `${appends.length} append(s) not announced to other nodes: ${String(error)}`,
          );
        });
    });
  }

  override within(transaction: EntityManager): StateStore {
    return this.inner.within(transaction);
  }

  read(streamId: string, range?: VersionRange): Promise<StateEvent[]> {
    return this.inner.read(streamId, range);
  }

  readAll(after?: number, limit?: number): Promise<StateEvent[]> {
    return this.inner.readAll(after, limit);
  }

  lastPosition(): Promise<number> {
    return this.inner.lastPosition();
  }

  version(streamId: string): Promise<number> {
    return this.inner.version(streamId);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.inner.saveSnapshot(snapshot);
  }

  loadSnapshot(streamId: string, atOrBefore?: number): Promise<Snapshot | undefined> {
    return this.inner.loadSnapshot(streamId, atOrBefore);
  }

  override async close(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    // A subscription still waiting for Redis is dropped with the connection RedisConnections closes.
    const active = await Promise.race([unsubscribe, Promise.resolve(undefined)]);
    if (active) await active().catch(() => undefined);
    await this.inner.close();
    await super.close();
  }
}
