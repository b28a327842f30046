import type { ChannelPosition, HistoryRead } from './channel-history';
import { MemoryChannelHistory } from './memory-channel.history';
import { SharedHistoryReads } from './shared-history-reads';

/** The in-memory history, with reads that take a while and are counted. */
class CountedHistory extends MemoryChannelHistory {
  reads = 0;
  positions = 0;
  override async read(channel: string, after: number, limit: number): Promise<HistoryRead> {
    this.reads++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return super.read(channel, after, limit);
  }
  override async position(channel: string): Promise<ChannelPosition> {
    this.positions++;
    const position = await super.position(channel);
    await new Promise((resolve) => setTimeout(resolve, 20));
    return position;
  }
}

async function setup(events = 10, maxLength = 1000) {
  const history = new CountedHistory(maxLength);
  for (let n = 1; n <= events; n++) await history.append('news', 'tick', n);
  return { history, reads: new SharedHistoryReads(() => history, 10_000) };
}

const offsets = (read: { entries: Array<{ offset: number }> }) => read.entries.map((e) => e.offset);

describe('SharedHistoryReads', () => {
  it('serves concurrent joins, and those a moment later, from one read of a covering range', async () => {
    const { history, reads } = await setup();
    const epoch = history.epoch;
    const [a, b, c] = await Promise.all([
      reads.range('news', epoch, 2, 10),
      reads.range('news', epoch, 2, 10),
      reads.range('news', epoch, 5, 8), // inside the first range
    ]);
    expect(offsets(a)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(offsets(b)).toEqual(offsets(a));
    expect(offsets(c)).toEqual([6, 7, 8]);
    expect(await reads.range('news', epoch, 4, 10)).toMatchObject({ complete: true });
    expect(history.reads).toBe(1);
    expect(reads.reads).toBe(1);
    // Outside the window: read.
    expect(offsets(await reads.range('news', epoch, 1, 10))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(history.reads).toBe(2);
  });

  it('never serves another epoch from a window', async () => {
    const { history, reads } = await setup();
    await reads.range('news', history.epoch, 2, 10);
    const other = await reads.range('news', 'another', 2, 10);
    expect(other.epoch).toBe(history.epoch); // the caller sees the epoch changed
    expect(history.reads).toBe(2);
  });

  it('reports a trimmed range as incomplete, and a later range of the same read as complete', async () => {
    const { history, reads } = await setup(10, 5); // offsets 6–10 remain
    const epoch = history.epoch;
    expect(await reads.range('news', epoch, 2, 10)).toMatchObject({ complete: false });
    const later = await reads.range('news', epoch, 7, 10);
    expect(later.complete).toBe(true);
    expect(offsets(later)).toEqual([8, 9, 10]);
    expect(history.reads).toBe(1);
  });

  it('gives each head() caller a position read that started after it asked, shared by those waiting', async () => {
    const { history, reads } = await setup(1);
    const first = reads.head('news'); // starts now: offset 1
    await history.append('news', 'tick', 2); // after the first read began
    const waiting = [reads.head('news'), reads.head('news'), reads.head('news')];
    expect((await first).offset).toBe(1);
    for (const position of await Promise.all(waiting)) expect(position.offset).toBe(2);
    expect(history.positions).toBe(2);
  });
});
