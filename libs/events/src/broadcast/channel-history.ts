/** One event in a channel's history. */
export interface ChannelEntry {
  offset: number;
  event: string;
  data: unknown;
  /** Milliseconds since the epoch, when it was broadcast. */
  time: number;
}

/** Where a channel is: its epoch and the offset of its latest event (0 before the first). */
export interface ChannelPosition {
  epoch: string;
  offset: number;
}

/** What a history read found after an offset. */
export interface HistoryRead {
  epoch: string;
  /** Entries after the offset, in order, at most `limit`. */
  entries: ChannelEntry[];
  /** False when entries right after the offset were trimmed away: the reader must resync. */
  complete: boolean;
}

/**
 * Recent events of each channel, numbered by a monotonic offset within an epoch. A new epoch
 * starts when the history is lost (a restart of the in-memory history, expired Redis keys);
 * offsets from another epoch mean nothing, so their holders resync.
 */
export abstract class ChannelHistory {
  abstract readonly kind: 'memory' | 'redis';
  /** Appends and numbers an event. */
  abstract append(
    channel: string,
    event: string,
    data: unknown,
  ): Promise<ChannelEntry & { epoch: string }>;
  abstract position(channel: string): Promise<ChannelPosition>;
  /** Entries with offsets greater than `after`, oldest first. */
  abstract read(channel: string, after: number, limit: number): Promise<HistoryRead>;
  async close(): Promise<void> {}
}
