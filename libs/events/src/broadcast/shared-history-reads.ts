import type { ChannelEntry, ChannelHistory, ChannelPosition } from './channel-history';

/** A range read, as resuming clients get it: entries contiguous after `after`, or a gap. */
export interface RangeRead {
  epoch: string;
  entries: ChannelEntry[];
  /** False when entries right after `after` were trimmed away: the reader must resync. */
  complete: boolean;
}

/** Entries of one channel known to be contiguous after `after`, from a recent read. */
interface Window {
  epoch: string;
  after: number;
  entries: ChannelEntry[];
}

interface InFlight {
  after: number;
  to: number;
  read: Promise<RangeRead>;
}

/** How long a finished read keeps serving the joins of a storm that come after it. */
const WINDOW_MS = 5000;

const ignore = () => undefined;

/**
 * History reads shared by every client of a channel, so a reconnect storm does not multiply
 * them: a range read serves every join whose range it covers, while it runs and for a few
 * seconds after (offsets within an epoch never change, so a slice of it is as good as a read of
 * its own); and a client that needs the channel's head as of now joins the next position read
 * that starts after it asked, instead of sending one of its own.
 */
export class SharedHistoryReads {
  /** Range reads sent to the history: for tests and the benchmark. */
  reads = 0;
  private readonly windows = new Map<string, Window>();
  private readonly inFlight = new Map<string, InFlight[]>();
  private readonly heads = new Map<
    string,
    { running: Promise<ChannelPosition>; next?: Promise<ChannelPosition> }
  >();
  private cachedEntries = 0;

  constructor(
    private readonly history: () => ChannelHistory,
    /** Most entries kept in windows across channels (a storm's windows, not a second history). */
    private readonly maxEntries: number,
  ) {}

  /** Entries of `channel` after `after` up to `to`, in epoch `epoch`. */
  async range(channel: string, epoch: string, after: number, to: number): Promise<RangeRead> {
    if (to <= after) return { epoch, entries: [], complete: true };
    const window = this.windows.get(channel);
    if (window && window.epoch === epoch && covers(window, after, to))
      return { epoch, entries: slice(window, after, to), complete: true };
    const running = this.inFlight.get(channel)?.find((r) => r.after <= after && r.to >= to);
    const readAfter = running?.after ?? after;
    const result = await (running?.read ?? this.start(channel, after, to));
    if (result.epoch !== epoch) return result;
    const contiguousAfter = contiguousFrom(readAfter, result);
    if (contiguousAfter === undefined || contiguousAfter > after)
      return { epoch, entries: [], complete: false };
    const entries = result.entries.filter((e) => e.offset > after && e.offset <= to);
    return { epoch, entries, complete: true };
  }

  /**
   * The channel's position, read after this call (so it includes every event broadcast before
   * it): callers that ask while a read runs share the one that starts when it ends.
   */
  head(channel: string): Promise<ChannelPosition> {
    const slot = this.heads.get(channel);
    if (!slot) return this.startHead(channel);
    slot.next ??= slot.running.then(ignore, ignore).then(() => this.startHead(channel));
    return slot.next;
  }

  clear(): void {
    this.windows.clear();
    this.cachedEntries = 0;
  }

  private startHead(channel: string): Promise<ChannelPosition> {
    const running = this.history().position(channel);
    const slot: { running: Promise<ChannelPosition>; next?: Promise<ChannelPosition> } = {
      running,
    };
    this.heads.set(channel, slot);
    void running
      .then(ignore, ignore)
      .then(() => !slot.next && this.heads.get(channel) === slot && this.heads.delete(channel));
    return running;
  }

  private start(channel: string, after: number, to: number): Promise<RangeRead> {
    this.reads++;
    const read = this.history().read(channel, after, to - after);
    const entry: InFlight = { after, to, read };
    const list = this.inFlight.get(channel) ?? [];
    list.push(entry);
    this.inFlight.set(channel, list);
    const done = () => {
      const rest = (this.inFlight.get(channel) ?? []).filter((r) => r !== entry);
      if (rest.length) this.inFlight.set(channel, rest);
      else this.inFlight.delete(channel);
    };
    void read.then((result) => {
      done();
      this.remember(channel, after, result);
    }, done);
    return read;
  }

  private remember(channel: string, after: number, result: RangeRead): void {
    const contiguousAfter = contiguousFrom(after, result);
    if (contiguousAfter === undefined || result.entries.length === 0) return;
    if (result.entries.length > this.maxEntries) return;
    const window: Window = { epoch: result.epoch, after: contiguousAfter, entries: result.entries };
    this.forget(channel);
    this.windows.set(channel, window);
    this.cachedEntries += window.entries.length;
    // Oldest first (Map order): windows of channels nobody resumed lately go first.
    for (const [name, other] of this.windows) {
      if (this.cachedEntries <= this.maxEntries) break;
      if (other !== window) this.forget(name);
    }
    setTimeout(
      () => this.windows.get(channel) === window && this.forget(channel),
      WINDOW_MS,
    ).unref();
  }

  private forget(channel: string): void {
    const window = this.windows.get(channel);
    if (!window) return;
    this.windows.delete(channel);
    this.cachedEntries -= window.entries.length;
  }
}

/** After which offset a read's entries run without a gap (a trimmed read: from its first entry on). */
function contiguousFrom(readAfter: number, read: RangeRead): number | undefined {
  if (read.complete) return readAfter;
  return read.entries.length ? read.entries[0].offset - 1 : undefined;
}

function covers(window: Window, after: number, to: number): boolean {
  return window.after <= after && window.after + window.entries.length >= to;
}

/** Entries after `after` up to `to`; a window's entries have consecutive offsets. */
function slice(window: Window, after: number, to: number): ChannelEntry[] {
  return window.entries.slice(after - window.after, to - window.after);
}
