import { StateConflictError } from '../errors/state-conflict.error';
import type { PendingEvent, Snapshot, StateEvent, VersionRange } from '../state.interfaces';
import { StateMessages } from '../state.messages';
import { type AppendOptions, StateStore } from './state-store';

/**
 * The embedded default: streams in this process's memory, lost when it exits. Events are
 * frozen so a reducer that mutates its input fails loudly instead of corrupting the log.
 */
export class MemoryStateStore extends StateStore {
  readonly kind = 'memory';
  private readonly streams = new Map<string, StateEvent[]>();
  private readonly snapshots = new Map<string, Snapshot[]>();
  private readonly all: StateEvent[] = [];

  async append(
    streamId: string,
    events: PendingEvent[],
    expectedVersion: number,
    options: AppendOptions = {},
  ): Promise<StateEvent[]> {
    if (options.transaction) throw StateMessages.transactionNeedsSql(streamId, this.kind);
    const stream = this.streams.get(streamId) ?? [];
    if (options.idempotent && stream.some((event) => event.id === events[0]?.id)) return [];
    if (stream.length !== expectedVersion) {
      if (expectedVersion > stream.length)
        throw StateMessages.versionSkipped(streamId, expectedVersion, stream.length);
      throw new StateConflictError(streamId, expectedVersion, stream.length);
    }
    const stored = events.map((event, index) =>
      deepFreeze<StateEvent>({
        ...event,
        streamId,
        version: expectedVersion + index + 1,
        position: this.all.length + index + 1,
      }),
    );
    if (!this.streams.has(streamId)) this.streams.set(streamId, stream);
    stream.push(...stored);
    this.all.push(...stored);
    this.emitAppended(stored);
    return stored;
  }

  async read(streamId: string, range: VersionRange = {}): Promise<StateEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    const from = Math.max(1, range.from ?? 1);
    const to = Math.min(stream.length, range.to ?? stream.length);
    const end = range.limit === undefined ? to : Math.min(to, from + range.limit - 1);
    return stream.slice(from - 1, end);
  }

  async readAll(after = 0, limit = Infinity): Promise<StateEvent[]> {
    return this.all.slice(after, after + limit);
  }

  async lastPosition(): Promise<number> {
    return this.all.length;
  }

  async version(streamId: string): Promise<number> {
    return this.streams.get(streamId)?.length ?? 0;
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const list = (this.snapshots.get(snapshot.streamId) ?? []).filter(
      (existing) => existing.version !== snapshot.version,
    );
    list.push(snapshot);
    list.sort((a, b) => a.version - b.version);
    this.snapshots.set(snapshot.streamId, list);
  }

  async loadSnapshot(streamId: string, atOrBefore = Infinity): Promise<Snapshot | undefined> {
    const list = this.snapshots.get(streamId) ?? [];
    for (let index = list.length - 1; index >= 0; index--) {
      if (list[index].version <= atOrBefore) return list[index];
    }
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
