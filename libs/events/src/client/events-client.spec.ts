import type { Channel, SocketClient } from '@lattice/socket/client';
import {
  EventsClient,
  GAP_WAIT_MS,
  type ChannelMessage,
  type PresenceMember,
} from './events-client';

type Listener = (payload: unknown) => void;

/** A socket channel whose frames and replies the test writes. */
class FakeChannel {
  readonly listeners = new Map<string, Listener[]>();
  joins: unknown[] = [];
  private reply: (value: unknown) => void = () => undefined;

  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return () => undefined;
  }
  join(payload: () => unknown) {
    this.joins.push(payload());
    return new Promise((resolve) => (this.reply = resolve));
  }
  async leave() {}
  answer(result: unknown) {
    this.reply(result);
  }
  frame(event: string, payload: unknown) {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }
}

function setup() {
  const channel = new FakeChannel();
  const socket = { channel: () => channel as unknown as Channel, on: () => () => undefined };
  const events = new EventsClient(socket as unknown as SocketClient);
  return { channel, events };
}

const message = (offset: number, epoch = 'e1'): ChannelMessage => ({
  epoch,
  offset,
  event: 'tick',
  data: offset,
});
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ChannelSubscription', () => {
  it('delivers replayed events first, merges live ones by offset, drops duplicates', async () => {
    const { channel, events } = setup();
    const subscription = events.subscribe('news', { from: { epoch: 'e1', offset: 2 } });
    const seen: number[] = [];
    subscription.listen('tick', (data) => seen.push(data as number));
    expect(channel.joins).toEqual([{ epoch: 'e1', offset: 2 }]);

    // One TCP read can carry the reply and the frames after it: frames first must wait.
    channel.frame('event', message(6));
    channel.answer({ channel: 'news', epoch: 'e1', offset: 2, recovered: true });
    await flush();
    channel.frame('replay', { events: [message(3), message(4)] });
    channel.frame('event', message(5));
    channel.frame('replay', { events: [message(5)] });
    channel.frame('replayed', { offset: 5 });
    channel.frame('event', message(6));
    channel.frame('event', message(4));
    expect(seen).toEqual([3, 4, 5, 6]);
    expect(subscription.offset).toBe(6);
  });

  it('holds an event ahead of a missing one until the missing one arrives', async () => {
    const { channel, events } = setup();
    const subscription = events.subscribe('news');
    const seen: number[] = [];
    subscription.listen('*', (m) => seen.push((m as ChannelMessage).offset));
    expect(channel.joins).toEqual([null]);
    channel.answer({ channel: 'news', epoch: 'e1', offset: 0, recovered: true });
    await flush();
    channel.frame('replayed', { offset: 0 });
    channel.frame('event', message(2));
    channel.frame('event', message(1)); // crossed on the way from two nodes
    expect(seen).toEqual([1, 2]);
    await new Promise((resolve) => setTimeout(resolve, GAP_WAIT_MS + 50));
    expect(channel.joins).toHaveLength(1); // the gap closed in time: no resubscribe
  });

  it('resubscribes from the last delivered offset when a gap is not filled, and gets the events replayed in order', async () => {
    const { channel, events } = setup();
    const subscription = events.subscribe('news');
    const seen: number[] = [];
    const gaps: unknown[] = [];
    subscription.listen('*', (m) => seen.push((m as ChannelMessage).offset));
    subscription.on('gap', (gap) => gaps.push(gap));
    channel.answer({ channel: 'news', epoch: 'e1', offset: 0, recovered: true });
    await flush();
    channel.frame('replayed', { offset: 0 });
    channel.frame('event', message(1));
    channel.frame('event', message(3)); // 2 never comes
    channel.frame('event', message(4));
    expect(seen).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, GAP_WAIT_MS + 50));
    expect(seen).toEqual([1]); // neither skipped nor delivered out of order
    expect(gaps).toEqual([{ offset: 1 }]);
    expect(channel.joins).toEqual([null, { epoch: 'e1', offset: 1 }]);

    channel.frame('event', message(5)); // live during the resubscribe: waits for the replay
    channel.answer({ channel: 'news', epoch: 'e1', offset: 1, recovered: true });
    await flush();
    channel.frame('replay', { events: [message(2), message(3), message(4)] });
    channel.frame('replayed', { offset: 4 });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(subscription.offset).toBe(5);
  });

  it('announces resync when the server no longer has the missing event', async () => {
    const { channel, events } = setup();
    const subscription = events.subscribe('news');
    const seen: number[] = [];
    const reasons: string[] = [];
    subscription.listen('*', (m) => seen.push((m as ChannelMessage).offset));
    subscription.on('resync', ({ reason }: { reason: string }) => reasons.push(reason));
    channel.answer({ channel: 'news', epoch: 'e1', offset: 0, recovered: true });
    await flush();
    channel.frame('replayed', { offset: 0 });
    channel.frame('event', message(1));
    channel.frame('event', message(3));
    await new Promise((resolve) => setTimeout(resolve, GAP_WAIT_MS + 50));
    channel.answer({
      channel: 'news',
      epoch: 'e1',
      offset: 3000,
      recovered: false,
      resync: 'history_trimmed',
    });
    await flush();
    channel.frame('replayed', { offset: 3000 });
    channel.frame('event', message(3001));
    expect(reasons).toEqual(['history_trimmed']);
    expect(seen).toEqual([1, 3001]);
  });

  it('announces a resync when live events come from a new epoch', async () => {
    const { channel, events } = setup();
    const subscription = events.subscribe('news');
    const reasons: string[] = [];
    const seen: number[] = [];
    subscription.on('resync', ({ reason }: { reason: string }) => reasons.push(reason));
    subscription.listen('tick', (data) => seen.push(data as number));
    channel.answer({ channel: 'news', epoch: 'e1', offset: 10, recovered: true });
    await flush();
    channel.frame('replayed', { offset: 10 });
    channel.frame('event', message(1, 'e2'));
    expect(reasons).toEqual(['epoch_changed']);
    expect(seen).toEqual([1]);
  });

  it('counts presence per user: a second tab neither joins nor leaves', async () => {
    const { channel, events } = setup();
    const room = events.subscribe('room.1');
    const log: string[] = [];
    room.here((members) => log.push(`here:${members.map((m) => m.id).join(',')}`));
    room.joining((m) => log.push(`joining:${m.id}`));
    room.leaving((m) => log.push(`leaving:${m.id}`));
    const ada: PresenceMember = { key: 'n:1', id: 'ada', info: {} };
    channel.answer({ channel: 'room.1', epoch: 'e', offset: 0, recovered: true, members: [ada] });
    await flush();
    channel.frame('presence:join', ada); // our own join, heard late
    channel.frame('presence:join', { key: 'n:2', id: 'bob', info: {} });
    channel.frame('presence:join', { key: 'n:3', id: 'bob', info: {} });
    channel.frame('presence:leave', { key: 'n:2', id: 'bob' });
    channel.frame('presence:leave', { key: 'n:3', id: 'bob' });
    expect(log).toEqual(['here:ada', 'joining:bob', 'leaving:bob']);
  });
});
