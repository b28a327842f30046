import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { StreamDefinition } from '../state-definition';
import type { Snapshot } from '../state.interfaces';
import type { StateStore } from '../stores/state-store';

/** A rebuilt stream and how it was rebuilt. */
export interface Recovered<S = unknown> {
  state: S;
  version: number;
  /** The version of the snapshot it started from; 0 when it replayed from the first event. */
  snapshotVersion: number;
  /** Events applied after the snapshot. */
  replayed: number;
}

/** sha256 of a state's JSON: stored with a snapshot, checked when it is loaded. */
export function stateChecksum(json: string): string {
  return createHash('sha256').update(json).digest('base64url');
}

/**
 * Rebuilds a stream from its latest usable snapshot plus the events after it. A snapshot
 * that is missing, unreadable, of another `snapshotVersion` or failing its checksum is
 * skipped with a warning, and the stream is replayed from its first event instead.
 */
export class RecoveryManager {
  private readonly logger = new Logger('State');

  constructor(private readonly pageSize = 5000) {}

  async recover<S>(
    definition: StreamDefinition<S>,
    store: StateStore,
    streamId: string,
    atVersion?: number,
  ): Promise<Recovered<S>> {
    let state = definition.initial(streamId);
    let version = 0;
    const snapshot = await this.usableSnapshot(definition, store, streamId, atVersion);
    if (snapshot) {
      state = snapshot.state as S;
      version = snapshot.version;
    }
    const snapshotVersion = version;
    for (;;) {
      const page = await store.read(streamId, {
        from: version + 1,
        to: atVersion,
        limit: this.pageSize,
      });
      for (const event of page) {
        state = definition.apply(state, event);
        version = event.version;
      }
      if (page.length < this.pageSize) break;
    }
    return { state, version, snapshotVersion, replayed: version - snapshotVersion };
  }

  private async usableSnapshot(
    definition: StreamDefinition,
    store: StateStore,
    streamId: string,
    atVersion: number | undefined,
  ): Promise<Snapshot | undefined> {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await store.loadSnapshot(streamId, atVersion);
    } catch (error) {
      this.logger.warn(
        `Snapshot of "${streamId}" could not be read (${String(error)}); replaying all its events.`,
      );
      return undefined;
    }
    if (!snapshot) return undefined;
    const problem = this.problemWith(definition, snapshot);
    if (!problem) return snapshot;
    this.logger.warn(
      `Snapshot of "${streamId}" at version ${snapshot.version} is not usable (${problem}); replaying all its events.`,
    );
    return undefined;
  }

  private problemWith(definition: StreamDefinition, snapshot: Snapshot): string | undefined {
    if (!Number.isInteger(snapshot.version) || snapshot.version < 1) return 'invalid version';
    if (snapshot.schemaVersion !== definition.options.snapshotVersion)
      return `snapshot version ${snapshot.schemaVersion}, the definition is at ${definition.options.snapshotVersion}`;
    let json: string | undefined;
    try {
      json = JSON.stringify(snapshot.state);
    } catch {
      return 'state is not JSON';
    }
    if (json === undefined || stateChecksum(json) !== snapshot.checksum) return 'checksum mismatch';
    return undefined;
  }
}
