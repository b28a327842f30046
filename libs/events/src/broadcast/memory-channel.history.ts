import { randomUUID } from 'node:crypto';
import {
  ChannelHistory,
  type ChannelEntry,
  type ChannelPosition,
  type HistoryRead,
} from './channel-history';

interface Ring {
  entries: (ChannelEntry | undefined)[];
  /** Offset of the latest entry. */
  offset: number;
}

/**
 * History in this process: a bounded ring per channel. Its epoch is made at boot, so clients
 * of a restarted (or another) process resync rather than trust offsets it never issued.
 */
export class MemoryChannelHistory extends ChannelHistory {
  readonly kind = 'memory' as const;
  readonly epoch = randomUUID().slice(0, 8);
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly maxLength: number) {
    super();
  }

  async append(
    channel: string,
    event: string,
    data: unknown,
  ): Promise<ChannelEntry & { epoch: string }> {
    let ring = this.rings.get(channel);
    if (!ring) this.rings.set(channel, (ring = { entries: new Array(this.maxLength), offset: 0 }));
    const entry = { offset: ++ring.offset, event, data, time: Date.now() };
    ring.entries[entry.offset % this.maxLength] = entry;
    return { ...entry, epoch: this.epoch };
  }

  async position(channel: string): Promise<ChannelPosition> {
    return { epoch: this.epoch, offset: this.rings.get(channel)?.offset ?? 0 };
  }

  async read(channel: string, after: number, limit: number): Promise<HistoryRead> {
    const ring = this.rings.get(channel);
    const head = ring?.offset ?? 0;
    const oldest = Math.max(1, head - this.maxLength + 1);
    const entries: ChannelEntry[] = [];
    for (
      let offset = Math.max(after + 1, oldest);
      offset <= head && entries.length < limit;
      offset++
    ) {
      entries.push(ring!.entries[offset % this.maxLength]!);
    }
    return { epoch: this.epoch, entries, complete: after + 1 >= oldest || head === 0 };
  }
}
