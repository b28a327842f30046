import type { EntityManager } from 'typeorm';
import type { z } from 'zod';

/** Where an event came from and what it was written with. */
export interface EventMetadata {
  /** Who caused it (a user id, "system", a job name). */
  actor?: string;
  /** The id of the event or message that caused this one. */
  causationId?: string;
  /** One id shared by everything a single request or job caused. */
  correlationId?: string;
  /** When it was appended, ISO 8601 UTC. */
  timestamp: string;
  /** The version of this event type's payload schema it was written with (see `@Upcast`). */
  schemaVersion: number;
}

/** One stored change of a stream. */
export interface StateEvent<Payload = unknown> {
  /** A UUID, unique across all streams. */
  id: string;
  streamId: string;
  /** 1 for the stream's first event, then contiguous. */
  version: number;
  /** Increasing across all streams of one store, in append order (gaps allowed). */
  position: number;
  type: string;
  payload: Payload;
  metadata: EventMetadata;
}

/** An event about to be appended: the store assigns version and position. */
export type PendingEvent = Omit<StateEvent, 'streamId' | 'version' | 'position'>;

/** What a caller dispatches. */
export interface EventInput<Payload = unknown> {
  type: string;
  payload?: Payload;
}

/** A stream's state at one version, stored to bound recovery time. */
export interface Snapshot<S = unknown> {
  streamId: string;
  version: number;
  state: S;
  /** The definition's `snapshotVersion` when it was taken; another value is ignored at recovery. */
  schemaVersion: number;
  /** sha256 of the JSON of the state: a snapshot that does not match is treated as corrupt. */
  checksum: string;
  createdAt: string;
}

/** A range of versions, both ends included. */
export interface VersionRange {
  from?: number;
  to?: number;
  /** At most this many events (stores read in pages; default: all). */
  limit?: number;
}

/** What to do when the stream moved on since the version a dispatch relied on. */
export type ConflictStrategy = 'reject' | 'retry' | 'merge' | 'last-writer-wins';

export type StoreKind = 'memory' | 'redis' | 'sql';

/** `@StateDefinition()` options. */
export interface StateDefinitionOptions {
  /** The stream name prefix: streams are `<name>` or `<name>:<id>`. */
  name: string;
  /** Take a snapshot every N events (default 100; 0 = never by count). */
  snapshotEvery?: number;
  /** Also take one when an append comes this long after the last snapshot (ms; default off). */
  snapshotIntervalMs?: number;
  /** Bump when the state's shape changes: older snapshots are then ignored and the stream replayed. */
  snapshotVersion?: number;
  /** Conflict strategy (default 'reject'). */
  conflicts?: ConflictStrategy;
  /** Attempts after the first for 'retry', 'merge' and 'last-writer-wins' (default 10). */
  retries?: number;
  /** Stream ids recovered when the application starts instead of on first use. */
  eager?: string[];
  /** The store for these streams, instead of the module's. */
  store?: StoreKind;
}

/** The module-wide options. */
export interface StateModuleOptions {
  /** The store: by default Redis when core selects it (REDIS_URL), memory otherwise. 'sql' uses DatabaseModule's connection. */
  store?: StoreKind;
  /** Streams kept in memory per node (least recently used are dropped; default 10,000). */
  cacheSize?: number;
  /** Events read per round trip while recovering (default 5,000). */
  readPageSize?: number;
}

/** Options of one dispatch. */
export interface DispatchOptions {
  /**
   * The version the caller saw. Without it, and for plain events, the append goes on top of
   * whatever the latest version is (the reducer applies to the latest state).
   */
  expectedVersion?: number;
  actor?: string;
  causationId?: string;
  correlationId?: string;
  /**
   * Append inside this database transaction (an EntityManager of the DataSource the 'sql'
   * store uses, e.g. `TransactionHost.manager` or the one `@Transactional()` runs with): the
   * events commit or roll back with the rows written through it, and subscribers hear them
   * after the commit. Only for streams in the 'sql' store; for others see `StateOutbox`
   * (`@lattice/state/outbox`).
   */
  transaction?: EntityManager;
}

/** A stream's state and the version it reflects (0 for a stream with no events). */
export interface VersionedState<S = unknown> {
  state: S;
  version: number;
}

export interface DispatchResult<S = unknown> extends VersionedState<S> {
  /** The events this dispatch appended. */
  events: StateEvent[];
  /** Attempts after the first that the conflict strategy needed. */
  retries: number;
}

/** One change, delivered to subscribers on every node in version order. */
export interface StateChange<S = unknown> {
  streamId: string;
  version: number;
  event: StateEvent;
  /** The state after this event. */
  state: S;
}

export type StateListener<S = unknown> = (change: StateChange<S>) => void | Promise<void>;

/** A reducer's payload schema: any zod schema. */
export type PayloadSchema = z.ZodType;
