import { randomUUID } from 'node:crypto';
import { closestName } from '@lattice/core';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InvalidStateInputError } from './errors/invalid-state-input.error';
import { StateConflictError } from './errors/state-conflict.error';
import { LruMap } from './lru-map';
import { RecoveryManager, stateChecksum } from './recovery/recovery-manager';
import { MERGED_EVENT, STATE_MODULE_OPTIONS, STREAM_ID_PATTERN } from './state.constants';
import type {
  DispatchOptions,
  DispatchResult,
  EventInput,
  PendingEvent,
  StateChange,
  StateEvent,
  StateListener,
  StateModuleOptions,
  VersionRange,
  VersionedState,
} from './state.interfaces';
import { StateMessages } from './state.messages';
import { StreamDefinition, type MergedPayload } from './state-definition';
import { afterCommit } from './stores/after-commit';
import { StateStores } from './stores/state-stores';
import type { StateStore } from './stores/state-store';
import { streamMatcher } from './stream-pattern';

/** A stream's head as this node knows it, and when it was last checkpointed. */
interface Head<S = unknown> extends VersionedState<S> {
  snapshotVersion: number;
  snapshotAt: number;
}

/** What a dispatch appends: events, or a command deciding them from the current state. */
export type Dispatchable<S> =
  EventInput | EventInput[] | ((state: S, version: number) => EventInput | EventInput[]);

interface Subscription {
  matches: (streamId: string) => boolean;
  listener: StateListener;
  /** Per store, the last position given before the subscription started: it hears later events only. */
  since: Map<StateStore, number>;
}

/** Blind appends (no version relied on) retry on top of the latest version up to this many times. */
const BLIND_RETRIES = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Event-sourced state streams. `dispatch()` validates and appends events with optimistic
 * concurrency (resolving conflicts with the stream's strategy), `get()` returns the latest
 * state, `subscribe()` hears every change, on every node, in version order. Streams are
 * rebuilt from snapshots plus later events on first use; `stateAt()` and `history()` travel
 * back in time.
 *
 * @example
 * const { state, version } = await this.state.dispatch('counter:home', { type: 'added', payload: { by: 1 } });
 */
@Injectable()
export class StateManager implements OnApplicationShutdown {
  private readonly logger = new Logger('State');
  private readonly definitions = new Map<string, StreamDefinition>();
  private readonly heads: LruMap<string, Head>;
  private readonly loading = new Map<string, Promise<Head>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly cursors: LruMap<string, VersionedState>;
  private readonly pendingSnapshots = new Set<Promise<void>>();
  private readonly watched = new Set<StateStore>();
  private readonly recovery: RecoveryManager;

  constructor(
    private readonly stores: StateStores,
    @Inject(STATE_MODULE_OPTIONS) options: StateModuleOptions,
  ) {
    this.heads = new LruMap(options.cacheSize ?? 10_000);
    this.cursors = new LruMap(options.cacheSize ?? 10_000);
    this.recovery = new RecoveryManager(options.readPageSize ?? 5000);
  }

  /** Adds a definition; the explorer calls this for every `@StateDefinition` provider. */
  register(definition: StreamDefinition): void {
    const existing = this.definitions.get(definition.name);
    if (existing && existing.type !== definition.type)
      throw StateMessages.duplicateDefinition(
        definition.name,
        existing.type.name,
        definition.type.name,
      );
    this.definitions.set(definition.name, definition);
  }

  definitionNames(): string[] {
    return [...this.definitions.keys()].sort();
  }

  /** The definition a stream id belongs to, or a 400 naming the registered ones. */
  definitionOf(streamId: string): StreamDefinition {
    const match = typeof streamId === 'string' ? STREAM_ID_PATTERN.exec(streamId) : null;
    if (!match) throw StateMessages.streamIdInvalid(streamId);
    const definition = this.definitions.get(match[1]);
    if (!definition) {
      const known = this.definitionNames();
      throw StateMessages.definitionUnknown(
        streamId,
        match[1],
        known,
        closestName(match[1], known),
      );
    }
    return definition;
  }

  /** The store a stream lives in. */
  storeOf(streamId: string): StateStore {
    return this.storeFor(this.definitionOf(streamId));
  }

  /** Recovers the streams definitions mark `eager`; the explorer calls it at bootstrap. */
  async recoverEager(): Promise<number> {
    const ids = [...this.definitions.values()].flatMap((definition) =>
      definition.options.eager.map((id) =>
        id === definition.name ? id : `${definition.name}:${id}`,
      ),
    );
    await Promise.all(ids.map((streamId) => this.get(streamId)));
    return ids.length;
  }

  /** The latest state and its version (0 and the initial state for a stream with no events). */
  async get<S = unknown>(streamId: string): Promise<VersionedState<S>> {
    const definition = this.definitionOf(streamId);
    const head = await this.head(definition, streamId);
    return { state: head.state as S, version: head.version };
  }

  /**
   * Appends events to a stream and returns the new state. Give `expectedVersion` (or a
   * command function, which relies on the version it was shown) to detect concurrent
   * changes: the stream's conflict strategy then rejects, retries or merges. Without either,
   * the events go on top of the latest version.
   */
  async dispatch<S = unknown>(
    streamId: string,
    input: Dispatchable<S>,
    options: DispatchOptions = {},
  ): Promise<DispatchResult<S>> {
    const definition = this.definitionOf(streamId) as StreamDefinition<S>;
    const expected = options.expectedVersion;
    if (expected !== undefined && (!Number.isInteger(expected) || expected < 0))
      throw StateMessages.expectedVersionInvalid(streamId, expected);
    if (options.transaction) {
      const kind = this.storeFor(definition).kind;
      if (kind !== 'sql') throw StateMessages.transactionNeedsSql(streamId, kind);
    }
    // Validate plain events before waiting for the stream, so bad input fails fast.
    const validated =
      typeof input === 'function'
        ? undefined
        : this.toPending(definition, streamId, input, options);
    return this.serialize(streamId, () =>
      this.dispatchInOrder(definition, streamId, input, options, validated),
    );
  }

  /**
   * Validates events and stamps them (id, time, actor) without appending them: what an outbox
   * stores, to append later with `appendPrepared()`.
   */
  prepare(streamId: string, input: EventInput | EventInput[], options: DispatchOptions = {}) {
    return this.toPending(this.definitionOf(streamId), streamId, input, options);
  }

  /**
   * Appends events made by `prepare()` on top of the latest version, at most once: when the
   * stream already holds the first event's id (a second delivery), nothing is appended and the
   * current state is returned with `events: []`.
   */
  async appendPrepared<S = unknown>(
    streamId: string,
    events: PendingEvent[],
  ): Promise<DispatchResult<S>> {
    const definition = this.definitionOf(streamId) as StreamDefinition<S>;
    if (events.length === 0) throw StateMessages.noEvents(streamId);
    return this.serialize(streamId, () =>
      this.dispatchInOrder(definition, streamId, events as never, { idempotent: true }, events),
    );
  }

  /**
   * Hears every change of the matching streams (`question:42`, `question:*`, `*`) made after
   * the returned promise resolves, on every node, once each and in version order per stream.
   * Resolves to a function that stops it.
   */
  async subscribe<S = unknown>(pattern: string, listener: StateListener<S>): Promise<() => void> {
    const since = new Map<StateStore, number>();
    const stores = this.definitionsMatching(pattern).map((definition) => this.storeFor(definition));
    for (const store of new Set(stores)) {
      this.watch(store);
      try {
        since.set(store, await store.lastPosition());
      } catch (error) {
        // Without a starting position, each stream is heard from its first notification on.
        this.logger.warn(
          `Subscription to "${pattern}" started without the ${store.kind} store's position: ${String(error)}`,
        );
      }
    }
    const subscription: Subscription = {
      matches: streamMatcher(pattern),
      listener: listener as StateListener,
      since,
    };
    this.subscriptions.add(subscription);
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  /** The definitions whose streams a pattern can match (`question:*` → question; `*` → all). */
  private definitionsMatching(pattern: string): StreamDefinition[] {
    const name = /^([A-Za-z][\w-]*)(?::|$)/.exec(pattern)?.[1];
    const definition = name === undefined ? undefined : this.definitions.get(name);
    return definition ? [definition] : [...this.definitions.values()];
  }

  /** The state right after `version` (time travel); 400 when the stream has not reached it. */
  async stateAt<S = unknown>(streamId: string, version: number): Promise<VersionedState<S>> {
    const definition = this.definitionOf(streamId) as StreamDefinition<S>;
    if (!Number.isInteger(version) || version < 0)
      throw StateMessages.versionInvalid(streamId, version);
    const recovered = await this.recovery.recover(
      definition,
      this.storeFor(definition),
      streamId,
      version,
    );
    if (recovered.version < version)
      throw new InvalidStateInputError(
        'LATTICE_STATE_VERSION_NOT_REACHED',
        `Stream "${streamId}" is at version ${recovered.version}; version ${version} does not exist yet.`,
      );
    return { state: recovered.state, version: recovered.version };
  }

  /** The stored events of a stream, `from`/`to` included. */
  async history(streamId: string, range: VersionRange = {}): Promise<StateEvent[]> {
    const definition = this.definitionOf(streamId);
    for (const bound of [range.from, range.to, range.limit]) {
      if (bound !== undefined && (!Number.isInteger(bound) || bound < 0))
        throw StateMessages.versionInvalid(streamId, bound);
    }
    return this.storeFor(definition).read(streamId, range);
  }

  /** Rebuilds a stream from its store, ignoring what this node has cached (see RecoveryManager). */
  async recover<S = unknown>(streamId: string) {
    const definition = this.definitionOf(streamId) as StreamDefinition<S>;
    const recovered = await this.recovery.recover(definition, this.storeFor(definition), streamId);
    this.heads.set(streamId, {
      state: recovered.state,
      version: recovered.version,
      snapshotVersion: recovered.snapshotVersion,
      snapshotAt: Date.now(),
    });
    return recovered;
  }

  /** Drops what this node has cached; the next read rebuilds from the store. */
  forget(streamId?: string): void {
    if (streamId === undefined) this.heads.clear();
    else this.heads.delete(streamId);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pendingSnapshots]);
  }

  private async dispatchInOrder<S>(
    definition: StreamDefinition<S>,
    streamId: string,
    input: Dispatchable<S>,
    options: DispatchOptions & { idempotent?: boolean },
    /** Plain events, already validated by dispatch(). */
    validated?: PendingEvent[],
  ): Promise<DispatchResult<S>> {
    const store = this.storeFor(definition);
    const command = typeof input === 'function' ? input : undefined;
    // Inside a transaction the stream is read through it, and nothing read there is cached:
    // it may never commit.
    const transaction = options.transaction;
    const reader = transaction ? store.within(transaction) : undefined;
    // A blind append goes on top of the cached head without reading the store first: if
    // another node appended meanwhile, the store refuses it and the loop catches up.
    const blind = !command && options.expectedVersion === undefined;
    const cached = blind && !reader ? this.heads.get(streamId) : undefined;
    let head = (
      reader
        ? await this.headWithin(definition, reader, streamId)
        : (cached ?? (await this.head(definition, streamId)))
    ) as Head<S>;
    // The version this dispatch relies on; undefined for a blind append.
    const relied = options.expectedVersion ?? (command ? head.version : undefined);
    if (relied !== undefined && relied > head.version)
      throw StateMessages.versionSkipped(streamId, relied, head.version);

    const strategy = relied === undefined ? 'retry' : definition.options.conflicts;
    const limit = relied === undefined ? BLIND_RETRIES : definition.options.retries;
    // The base a merge starts from, and the events decided on it (decided once).
    let base: VersionedState<S> | undefined;
    let mine: EventInput[] | undefined;
    // A stream that moved on before this dispatch ran is a conflict found without a round trip.
    let retries = relied !== undefined && relied < head.version ? 1 : 0;
    if (retries > 0 && strategy === 'reject')
      throw new StateConflictError(streamId, relied!, head.version);

    for (;;) {
      let pending: PendingEvent[];
      if (strategy === 'merge' || strategy === 'last-writer-wins') {
        base ??=
          relied === head.version
            ? { state: head.state, version: head.version }
            : await this.stateAt<S>(streamId, relied!);
        mine ??= this.inputsOf(
          command ? command(base.state, base.version) : (input as EventInput | EventInput[]),
        );
        if (base.version === head.version) {
          pending = this.toPending(definition, streamId, mine, options);
        } else {
          const mineState = this.applyInputs(definition, streamId, base, mine, options);
          const merged = definition.merge(base.state, mineState, head.state);
          const payload: MergedPayload = { state: merged, baseVersion: base.version, events: mine };
          pending = [this.pendingEvent(MERGED_EVENT, payload, 1, options)];
        }
      } else {
        pending = command
          ? this.toPending(definition, streamId, command(head.state, head.version), options)
          : validated!;
      }

      try {
        const stored = await store.append(streamId, pending, head.version, {
          transaction,
          idempotent: options.idempotent,
        });
        if (stored.length === 0) {
          // Appended before (an idempotent append delivered again): report the stream as it is.
          const now = reader
            ? await this.readOn(definition, reader, streamId, head)
            : await this.catchUp(definition, streamId, head);
          return { state: now.state as S, version: now.version, events: [], retries };
        }
        if (transaction)
          return this.afterTransactionalAppend(
            definition,
            store,
            transaction,
            streamId,
            head,
            stored,
            retries,
          );
        return this.afterAppend(definition, store, streamId, head, stored, retries);
      } catch (error) {
        if (!(error instanceof StateConflictError)) throw error;
        if (strategy === 'reject')
          throw new StateConflictError(streamId, relied ?? head.version, error.actualVersion);
        if (retries >= limit)
          throw new StateConflictError(
            streamId,
            relied ?? head.version,
            error.actualVersion,
            retries + 1,
          );
        retries++;
        // Another node appended: wait a little (spreads out racing nodes), catch up, go again.
        await sleep(Math.random() * Math.min(2 ** retries, 20));
        head = (
          reader
            ? await this.readOn(definition, reader, streamId, head)
            : await this.catchUp(definition, streamId, head)
        ) as Head<S>;
      }
    }
  }

  /**
   * The state the transaction will commit. The cached head moves (and a snapshot may be taken)
   * only after the commit: a rollback leaves both as they were.
   */
  private afterTransactionalAppend<S>(
    definition: StreamDefinition<S>,
    store: StateStore,
    transaction: NonNullable<DispatchOptions['transaction']>,
    streamId: string,
    head: Head<S>,
    stored: StateEvent[],
    retries: number,
  ): DispatchResult<S> {
    let state = head.state;
    for (const event of stored) state = definition.apply(state, event);
    const version = stored[stored.length - 1].version;
    afterCommit(transaction, () => {
      const cached = this.heads.get(streamId);
      if (cached && cached.version >= version) return;
      // The append succeeded at head.version, so this is the stream's state at `version`.
      const committed: Head = { ...head, state, version };
      this.heads.set(streamId, committed);
      this.maybeSnapshot(definition as StreamDefinition, store, streamId, committed);
    });
    return { state, version, events: stored, retries };
  }

  /** The head as a transaction sees it: from the cached head if any, else recovered; not cached. */
  private async headWithin(
    definition: StreamDefinition,
    reader: StateStore,
    streamId: string,
  ): Promise<Head> {
    const cached = this.heads.get(streamId);
    if (cached) return this.readOn(definition, reader, streamId, cached);
    const recovered = await this.recovery.recover(definition, reader, streamId);
    return {
      state: recovered.state,
      version: recovered.version,
      snapshotVersion: recovered.snapshotVersion,
      snapshotAt: Date.now(),
    };
  }

  /** `head` with the later events `reader` shows applied; caches nothing. */
  private async readOn(
    definition: StreamDefinition,
    reader: StateStore,
    streamId: string,
    head: Head,
  ): Promise<Head> {
    const events = await reader.read(streamId, { from: head.version + 1 });
    let state = head.state;
    for (const event of events) state = definition.apply(state, event);
    return events.length ? { ...head, state, version: events[events.length - 1].version } : head;
  }

  private afterAppend<S>(
    definition: StreamDefinition<S>,
    store: StateStore,
    streamId: string,
    head: Head<S>,
    stored: StateEvent[],
    retries: number,
  ): DispatchResult<S> {
    let state = head.state;
    for (const event of stored) state = definition.apply(state, event);
    const next: Head<S> = { ...head, state, version: stored[stored.length - 1].version };
    this.heads.set(streamId, next);
    this.maybeSnapshot(definition, store, streamId, next);
    return { state, version: next.version, events: stored, retries };
  }

  private maybeSnapshot(
    definition: StreamDefinition,
    store: StateStore,
    streamId: string,
    head: Head,
  ): void {
    const { snapshotEvery, snapshotIntervalMs, snapshotVersion } = definition.options;
    const due =
      (snapshotEvery > 0 && head.version - head.snapshotVersion >= snapshotEvery) ||
      (snapshotIntervalMs > 0 && Date.now() - head.snapshotAt >= snapshotIntervalMs);
    if (!due) return;
    head.snapshotVersion = head.version;
    head.snapshotAt = Date.now();
    const json = JSON.stringify(head.state);
    const write = store
      .saveSnapshot({
        streamId,
        version: head.version,
        state: JSON.parse(json) as unknown,
        schemaVersion: snapshotVersion,
        checksum: stateChecksum(json),
        createdAt: new Date().toISOString(),
      })
      .catch((error: unknown) => {
        this.logger.warn(
          `Snapshot of "${streamId}" at ${head.version} not saved: ${String(error)}`,
        );
      });
    this.pendingSnapshots.add(write);
    void write.finally(() => this.pendingSnapshots.delete(write));
  }

  /** The cached head brought up to date with the store, or the stream recovered. */
  private async head(definition: StreamDefinition, streamId: string): Promise<Head> {
    const cached = this.heads.get(streamId);
    if (cached) return this.catchUp(definition, streamId, cached);
    let loading = this.loading.get(streamId);
    if (!loading) {
      loading = this.recovery
        .recover(definition, this.storeFor(definition), streamId)
        .then((recovered) => {
          const head: Head = {
            state: recovered.state,
            version: recovered.version,
            snapshotVersion: recovered.snapshotVersion,
            snapshotAt: Date.now(),
          };
          const newer = this.heads.get(streamId);
          if (!newer || newer.version < head.version) this.heads.set(streamId, head);
          return this.heads.get(streamId) ?? head;
        })
        .finally(() => this.loading.delete(streamId));
      this.loading.set(streamId, loading);
    }
    return loading;
  }

  private async catchUp(definition: StreamDefinition, streamId: string, head: Head): Promise<Head> {
    const events = await this.storeFor(definition).read(streamId, { from: head.version + 1 });
    if (events.length === 0) return head;
    let state = head.state;
    for (const event of events) state = definition.apply(state, event);
    const next: Head = { ...head, state, version: events[events.length - 1].version };
    const current = this.heads.get(streamId);
    if (!current || current.version < next.version) this.heads.set(streamId, next);
    return next;
  }

  private storeFor(definition: StreamDefinition): StateStore {
    const store = this.stores.get(definition.options.store);
    if (this.subscriptions.size > 0) this.watch(store);
    return store;
  }

  private watch(store: StateStore): void {
    if (this.watched.has(store)) return;
    this.watched.add(store);
    store.onAppended((events) => this.deliver(store, events));
  }

  /**
   * Feeds subscribers one stream's new events in version order. Notifications can arrive
   * late, twice or out of order (PubSub promises no more), so a per-stream cursor skips what
   * was delivered and reads any gap from the store.
   */
  private deliver(store: StateStore, events: StateEvent[]): void {
    const streamId = events[0]?.streamId;
    if (!streamId) return;
    const listeners = [...this.subscriptions].filter((s) => s.matches(streamId));
    if (listeners.length === 0) {
      this.cursors.delete(streamId);
      return;
    }
    void this.serialize(`deliver:${streamId}`, async () => {
      const definition = this.definitions.get(streamId.split(':')[0]);
      if (!definition) return;
      let cursor = this.cursors.get(streamId);
      let missing: StateEvent[] = [];
      if (!cursor) {
        const starts = listeners.map((s) => s.since.get(store));
        const since = starts.includes(undefined) ? undefined : Math.min(...(starts as number[]));
        ({ cursor, missing } = await this.startCursor(
          definition,
          store,
          streamId,
          events[0],
          since,
        ));
      } else if (events[0].version > cursor.version + 1) {
        missing = await store.read(streamId, {
          from: cursor.version + 1,
          to: events[0].version - 1,
        });
      }
      for (const event of [...missing, ...events]) {
        if (event.version !== cursor.version + 1) continue;
        cursor = { state: definition.apply(cursor.state, event), version: event.version };
        const change: StateChange = {
          streamId,
          version: event.version,
          event,
          state: cursor.state,
        };
        for (const subscription of listeners) {
          const start = subscription.since.get(store);
          if (start !== undefined && event.position <= start) continue;
          try {
            await subscription.listener(change);
          } catch (error) {
            this.logger.error(`A state listener of "${streamId}" failed: ${String(error)}`);
          }
        }
      }
      this.cursors.set(streamId, cursor);
    }).catch((error: unknown) => {
      this.logger.error(`Changes of "${streamId}" not delivered: ${String(error)}`);
    });
  }

  /**
   * The first notification of a stream may not be its first change after `since`: walk back
   * to the last event at or before `since`, and return the events after it to deliver too.
   */
  private async startCursor(
    definition: StreamDefinition,
    store: StateStore,
    streamId: string,
    first: StateEvent,
    /** Undefined when a subscription could not learn where it started. */
    since: number | undefined,
  ): Promise<{ cursor: VersionedState; missing: StateEvent[] }> {
    let missing: StateEvent[] = [];
    let base = since === undefined || first.position > since ? first.version - 1 : first.version;
    while (since !== undefined && base > 0) {
      const page = await store.read(streamId, { from: Math.max(1, base - 99), to: base });
      const after = page.filter((event) => event.position > since);
      missing = [...after, ...missing];
      if (after.length < page.length) {
        base = page[page.length - after.length - 1].version;
        break;
      }
      base = page.length ? page[0].version - 1 : 0;
    }
    const cursor =
      base === 0
        ? { state: definition.initial(streamId), version: 0 }
        : await this.stateAt(streamId, base);
    return { cursor, missing };
  }

  private inputsOf(result: EventInput | EventInput[] | undefined): EventInput[] {
    return result === undefined ? [] : Array.isArray(result) ? result : [result];
  }

  private toPending(
    definition: StreamDefinition,
    streamId: string,
    input: EventInput | EventInput[],
    options: DispatchOptions,
  ): PendingEvent[] {
    const inputs = this.inputsOf(input);
    if (inputs.length === 0) throw StateMessages.noEvents(streamId);
    return inputs.map((event) => {
      const { payload, schemaVersion } = definition.validate(streamId, event);
      return this.pendingEvent(event.type, payload, schemaVersion, options);
    });
  }

  private pendingEvent(
    type: string,
    payload: unknown,
    schemaVersion: number,
    options: DispatchOptions,
  ): PendingEvent {
    const metadata: PendingEvent['metadata'] = {
      timestamp: new Date().toISOString(),
      schemaVersion,
    };
    if (options.actor !== undefined) metadata.actor = options.actor;
    if (options.causationId !== undefined) metadata.causationId = options.causationId;
    if (options.correlationId !== undefined) metadata.correlationId = options.correlationId;
    return { id: randomUUID(), type, payload, metadata };
  }

  /** `base` with the inputs applied, as if they had been appended on top of it. */
  private applyInputs<S>(
    definition: StreamDefinition<S>,
    streamId: string,
    base: VersionedState<S>,
    inputs: EventInput[],
    options: DispatchOptions,
  ): S {
    let state = base.state;
    let version = base.version;
    for (const pending of this.toPending(definition, streamId, inputs, options)) {
      state = definition.apply(state, { ...pending, streamId, version: ++version, position: 0 });
    }
    return state;
  }

  /** Runs work for one key after the previous work for it: one dispatch per stream at a time per node. */
  private serialize<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }
}
