import { Logger } from '@nestjs/common';
import type { PubSub, Unsubscribe } from '@lattice/core';
import { STATE_APPENDED_TOPIC } from '../state.constants';
import type { PendingEvent, Snapshot, StateEvent, VersionRange } from '../state.interfaces';
import { StateStore } from './state-store';

interface AppendedMessage {
  store: string;
  events: StateEvent[];
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
        if (!meta.local && message.store === this.kind) this.emitAppended(message.events);
      },
    );
    await this.unsubscribe;
  }

  async append(
    streamId: string,
    events: PendingEvent[],
    expectedVersion: number,
  ): Promise<StateEvent[]> {
    const stored = await this.inner.append(streamId, events, expectedVersion);
    this.emitAppended(stored);
    this.pubsub
      .publish<AppendedMessage>(STATE_APPENDED_TOPIC, { store: this.kind, events: stored })
      .catch((error: unknown) => {
        // Other nodes catch up from the store on their next read or notification.
        this.logger.warn(`Append to "${streamId}" not announced to other nodes: ${String(error)}`);
      });
    return stored;
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
    if (unsubscribe) await (await unsubscribe)();
    await this.inner.close();
    await super.close();
  }
}
