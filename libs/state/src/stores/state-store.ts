import type { EntityManager } from 'typeorm';
import type { PendingEvent, Snapshot, StateEvent, VersionRange } from '../state.interfaces';

export type AppendedListener = (events: StateEvent[]) => void;

/** How one append is made (see `StateStore.append`). */
export interface AppendOptions {
  idempotent?: boolean;
  transaction?: EntityManager;
}

/**
 * Where streams live. Every store keeps the same contract (test/integration/state runs one
 * suite on all of them):
 * - `append` is atomic: all events or none, and only if the stream is at `expectedVersion`;
 *   otherwise it throws `StateConflictError` (or, for a version ahead of the stream,
 *   `InvalidStateInputError` LATTICE_STATE_VERSION_SKIPPED) and stores nothing.
 * - versions are contiguous from 1; positions increase across streams in append order.
 * - `onAppended` hears every append made through this store object, in version order per stream
 *   (the distributed store also hears other nodes').
 */
export abstract class StateStore {
  abstract readonly kind: string;
  private readonly listeners = new Set<AppendedListener>();

  /**
   * `options.idempotent`: when the stream already holds the first event's id (an append
   * delivered twice, as an outbox relay may), nothing is stored and `[]` is returned.
   * `options.transaction` (SQL store only): the append joins that transaction; listeners hear
   * it once the transaction commits.
   */
  abstract append(
    streamId: string,
    events: PendingEvent[],
    expectedVersion: number,
    options?: AppendOptions,
  ): Promise<StateEvent[]>;

  /** Events of one stream in version order, `from`/`to` included (default: all). */
  abstract read(streamId: string, range?: VersionRange): Promise<StateEvent[]>;

  /** Events of every stream in position order, after position `after` (default 0). */
  abstract readAll(after?: number, limit?: number): Promise<StateEvent[]>;

  /** The highest position given so far; 0 when the store is empty. */
  abstract lastPosition(): Promise<number>;

  /** The stream's latest version; 0 when it has no events. */
  abstract version(streamId: string): Promise<number>;

  /** Stores a snapshot; one per (stream, version), a second one replaces the first. */
  abstract saveSnapshot(snapshot: Snapshot): Promise<void>;

  /** The snapshot with the highest version ≤ `atOrBefore` (default: the latest). */
  abstract loadSnapshot(streamId: string, atOrBefore?: number): Promise<Snapshot | undefined>;

  /**
   * The store as read from inside a database transaction (the SQL store reads through it);
   * other stores are the same inside and out.
   */
  within(_transaction: EntityManager): StateStore {
    return this;
  }

  /** Releases what the store holds open; the shared connections are closed by their owners. */
  async close(): Promise<void> {
    this.listeners.clear();
  }

  onAppended(listener: AppendedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emitAppended(events: StateEvent[]): void {
    for (const listener of this.listeners) listener(events);
  }
}
