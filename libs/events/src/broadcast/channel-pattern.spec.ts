import { ChannelPattern } from './channel-pattern';
import { MemoryChannelHistory } from './memory-channel.history';

describe('ChannelPattern', () => {
  it('matches parameters and wildcards one part at a time', () => {
    expect(new ChannelPattern('user.{id}').match('user.42')).toEqual({ id: '42' });
    expect(new ChannelPattern('user.{id}').match('user.42.x')).toBeUndefined();
    expect(new ChannelPattern('room.{room}.{part}').match('room.7.typing')).toEqual({
      room: '7',
      part: 'typing',
    });
    expect(new ChannelPattern('feed.*').match('feed.a-b')).toEqual({});
    expect(new ChannelPattern('feed.*').match('feedxa')).toBeUndefined();
    expect(new ChannelPattern('news').match('news')).toEqual({});
  });
});

describe('MemoryChannelHistory', () => {
  it('numbers events per channel and keeps the last maxLength', async () => {
    const history = new MemoryChannelHistory(3);
    for (let n = 1; n <= 5; n++) await history.append('a', 'e', { n });
    await history.append('b', 'e', { n: 1 });
    expect(await history.position('a')).toEqual({ epoch: history.epoch, offset: 5 });
    expect(await history.position('b')).toEqual({ epoch: history.epoch, offset: 1 });

    const tail = await history.read('a', 2, 10);
    expect(tail.complete).toBe(true);
    expect(tail.entries.map((e) => e.data)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
    expect((await history.read('a', 1, 10)).complete).toBe(false); // offset 2 was overwritten
    expect((await history.read('a', 3, 1)).entries.map((e) => e.offset)).toEqual([4]);
    expect(await history.read('empty', 0, 10)).toMatchObject({ entries: [], complete: true });
  });

  it('starts a new epoch per instance, so restarted processes are not trusted', () => {
    expect(new MemoryChannelHistory(1).epoch).not.toBe(new MemoryChannelHistory(1).epoch);
  });
});
