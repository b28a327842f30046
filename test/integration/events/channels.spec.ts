import {
  channelPositionsTag,
  EventDispatcher,
  MemoryChannelHistory,
  PersistentWebSocketManager,
  WebSocketEventBroadcaster,
  type ChannelOptions,
  type HistoryRead,
} from '@lattice/events';
import {
  ChannelSubscription,
  EventsClient,
  type ChannelMessage,
  type SubscribeResult,
} from '@lattice/events/client';
import { SocketClient, type WebSocketFactory } from '@lattice/socket';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { pause, PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { ChannelRules, Posted, startEventsApp } from './fixtures/events-app';

const until = (test: () => boolean, what: string) => waitFor(test, { what, intervalMs: 5 });

/** A page's socket whose reconnects can be held back: while `gate.open` is false they fail. */
function pageClient(url: string, token?: string) {
  const gate = { open: true };
  const target = token ? `${url}?token=${token}` : url;
  class GatedWebSocket extends WebSocket {
    constructor() {
      super(gate.open ? target : 'ws://127.0.0.1:1/closed');
    }
  }
  const socket = new SocketClient(target, {
    WebSocket: GatedWebSocket as unknown as WebSocketFactory,
    backoff: { baseMs: 20, maxMs: 40 },
    timeoutMs: 3000,
  }).connect();
  const events = new EventsClient(socket);
  /** Drops the connection and keeps the client from coming back until `reconnect()`. */
  const disconnect = async () => {
    gate.open = false;
    (socket as unknown as { ws: WebSocket }).ws.close();
    await until(() => socket.state !== 'open', 'the socket to close');
  };
  const reconnect = () => (gate.open = true);
  return { socket, events, disconnect, reconnect, close: () => socket.close() };
}

/** Records what a subscription hears. */
function record(subscription: ChannelSubscription) {
  const messages: ChannelMessage[] = [];
  const subscribed: SubscribeResult[] = [];
  const resyncs: string[] = [];
  subscription.listen('*', (message) => messages.push(message as ChannelMessage));
  subscription.on('subscribed', (result: SubscribeResult) => subscribed.push(result));
  subscription.on('resync', ({ reason }: { reason: string }) => resyncs.push(reason));
  return {
    messages,
    subscribed,
    resyncs,
    ns: () => messages.map((m) => (m.data as { n: number }).n),
  };
}

/** Raw frames, for protocol-level checks. */
async function raw(url: string) {
  const ws = new WebSocket(url);
  const frames: unknown[][] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let ref = 0;
  const request = async (frame: unknown[]) => {
    const id = String(++ref);
    ws.send(JSON.stringify([...frame, id]));
    await until(() => frames.some((f) => f[3] === id), `reply ${id}`);
    return frames.find((f) => f[3] === id)![2] as {
      status: string;
      response: Record<string, unknown>;
    };
  };
  return { ws, frames, request };
}

function channelSuite(kind: 'memory' | 'redis', env: () => Record<string, string>) {
  const apps: INestApplication[] = [];
  const clients: Array<{ close(): void }> = [];
  let counter = 0;
  const channel = (label: string) => `feed.${kind}-${label}-${++counter}`;

  async function start(options: ChannelOptions = {}) {
    const started = await startEventsApp(options, env());
    apps.push(started.app);
    return {
      ...started,
      dispatcher: started.app.get(EventDispatcher),
      broadcaster: started.app.get(WebSocketEventBroadcaster),
      channels: started.app.get(PersistentWebSocketManager),
    };
  }
  function page(url: string, token?: string) {
    const client = pageClient(url, token);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const app of apps.splice(0)) await app.close();
  });

  it('replays exactly the missed events, in order, after a reconnect (recovered)', async () => {
    const { url, dispatcher } = await start();
    const name = channel('catchup');
    const client = page(url);
    const heard = record(client.events.subscribe(name));
    await client.events.subscribe(name).ready;
    for (let n = 1; n <= 3; n++) await dispatcher.dispatchAndWait(new Posted(name, n));
    await until(() => heard.messages.length === 3, 'three live events');

    await client.disconnect();
    for (let n = 4; n <= 40; n++) await dispatcher.dispatchAndWait(new Posted(name, n));
    client.reconnect();
    await until(() => heard.messages.length >= 40, 'the missed events');
    await dispatcher.dispatchAndWait(new Posted(name, 41)); // live again after the replay
    await until(() => heard.messages.length >= 41, 'a live event after the replay');
    // A sentinel instead of a pause: a duplicate of anything earlier would arrive before it.
    await dispatcher.dispatchAndWait(new Posted(name, 42));
    await until(() => heard.ns().includes(42), 'the sentinel');

    expect(heard.ns()).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(heard.messages.map((m) => m.offset)).toEqual(
      Array.from({ length: 42 }, (_, i) => i + 1),
    );
    expect(heard.messages[0].event).toBe('post.created');
    expect(heard.subscribed.map((s) => s.recovered)).toEqual([true, true]);
    expect(heard.subscribed[1].offset).toBe(3);
    expect(heard.resyncs).toEqual([]);
  });

  it('merges events broadcast during a replay by offset, without duplicates', async () => {
    const { url, broadcaster } = await start({ replayRate: 200, replayBatch: 10 });
    const name = channel('merge');
    const client = page(url);
    const heard = record(client.events.subscribe(name));
    await client.events.subscribe(name).ready;
    await client.disconnect();
    for (let n = 1; n <= 60; n++) await broadcaster.broadcast(new Posted(name, n));
    client.reconnect();
    // The replay takes ~300 ms; these arrive live while it runs.
    await until(() => heard.messages.length > 0, 'the replay to start');
    for (let n = 61; n <= 70; n++) await broadcaster.broadcast(new Posted(name, n));
    await until(() => heard.messages.length >= 70, 'all events');
    await broadcaster.broadcast(new Posted(name, 71)); // the sentinel: duplicates come before it
    await until(() => heard.ns().includes(71), 'the sentinel');
    expect(heard.ns()).toEqual(Array.from({ length: 71 }, (_, i) => i + 1));
  });

  it('tells a client past the replay cap to resync, then goes on live', async () => {
    const { url, broadcaster } = await start({ replayCap: 20 });
    const name = channel('cap');
    const client = page(url);
    const heard = record(client.events.subscribe(name));
    await client.events.subscribe(name).ready;
    await client.disconnect();
    for (let n = 1; n <= 25; n++) await broadcaster.broadcast(new Posted(name, n));
    client.reconnect();
    await until(() => heard.subscribed.length === 2, 'the resubscribe');
    expect(heard.subscribed[1]).toMatchObject({
      recovered: false,
      resync: 'too_far_behind',
      offset: 25,
    });
    expect(heard.resyncs).toEqual(['too_far_behind']);
    await broadcaster.broadcast(new Posted(name, 26));
    await until(() => heard.messages.length === 1, 'the next live event');
    expect(heard.ns()).toEqual([26]);
  });

  it('tells a client from another epoch to resync', async () => {
    const { url, broadcaster } = await start();
    const name = channel('epoch');
    await broadcaster.broadcast(new Posted(name, 1));
    const client = page(url);
    const subscription = client.events.subscribe(name, { from: { epoch: 'gone', offset: 1 } });
    const heard = record(subscription);
    await expect(subscription.ready).resolves.toMatchObject({
      recovered: false,
      resync: 'epoch_changed',
      offset: 1,
    });
    expect(heard.resyncs).toEqual(['epoch_changed']);
  });

  // Pacing is a floor: a replay never runs faster than the rate (the first batch goes at once). How
  // close to the rate it stays on a busy machine is a benchmark figure (npm run bench -- events),
  // not a test: on two shared cores a 0.8 s replay took 1 s.
  it('paces a replay: never faster than the configured rate', async () => {
    const rate = 500;
    const batch = 25;
    const { url, broadcaster, channels } = await start({ replayRate: rate, replayBatch: batch });
    const name = channel('pace');
    const start0 = await channels.positions([name]);
    const total = 400;
    for (let n = 1; n <= total; n++) await broadcaster.broadcast(new Posted(name, n));
    const client = page(url);
    const began = Date.now();
    const heard = record(client.events.subscribe(name, { from: start0[name] }));
    await until(() => heard.messages.length === total, 'the replay');
    const elapsed = Date.now() - began;
    const floor = ((total - batch) / rate) * 1000;
    process.stdout.write(
      `[${kind}] replayed ${total} events in ${elapsed} ms (pace ${rate}/s → at least ${floor} ms)\n`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(floor);
    expect(heard.ns()).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('leaves no gap between a server-rendered page and its subscribe', async () => {
    const { url, broadcaster, channels } = await start();
    const name = channel('page');
    await broadcaster.broadcast(new Posted(name, 1));
    // The server renders: positions first, then the data; then an event lands before the page subscribes.
    const tag = channelPositionsTag(await channels.positions([name]));
    await broadcaster.broadcast(new Posted(name, 2));
    const content = /content="([^"]*)"/
      .exec(tag)![1]
      .replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
    const doc = { querySelector: () => ({ getAttribute: () => content }) };
    const positions = EventsClient.positionsFromPage(doc);
    expect(positions[name].offset).toBe(1);
    const client = page(url);
    const subscription = client.events.subscribe(name, { from: positions[name] });
    const heard = record(subscription);
    await expect(subscription.ready).resolves.toMatchObject({ recovered: true, offset: 1 });
    await until(() => heard.messages.length === 1, 'the event after render');
    await broadcaster.broadcast(new Posted(name, 3)); // the sentinel: a duplicate of 2 comes first
    await until(() => heard.ns().includes(3), 'the sentinel');
    expect(heard.ns()).toEqual([2, 3]);
  });

  it('gives each caller of positions() its own position, also when calls share one read', async () => {
    const { channels } = await start();
    const name = channel('positions');
    // Asked at once (as pages mounting together on one node): the calls made while a read runs
    // share the next one.
    const all = await Promise.all([1, 2, 3, 4].map(() => channels.positions([name])));
    // A live component moves its own position on as it applies events; the others' stay.
    for (const [index, positions] of all.entries()) positions[name].offset += index + 1;
    expect(all.map((positions) => positions[name].offset)).toEqual(
      all.map((_, index) => all[0][name].offset - 1 + index + 1),
    );
  });

  it('authorizes private channels on every subscribe and resubscribe', async () => {
    const { app, url, broadcaster } = await start();
    const rules = app.get(ChannelRules);
    const anonymous = page(url);
    await expect(anonymous.events.subscribe('user.ada').ready).rejects.toThrow(
      /may not subscribe to channel "user.ada"/,
    );
    const bob = page(url, 'good-bob');
    await expect(bob.events.subscribe('user.ada').ready).rejects.toThrow(/may not subscribe/);

    const ada = page(url, 'good-ada');
    const subscription = ada.events.subscribe('user.ada');
    const heard = record(subscription);
    const errors: unknown[] = [];
    subscription.on('error', (error: unknown) => errors.push(error));
    await subscription.ready;
    const checks = rules.checks;
    await ada.disconnect();
    ada.reconnect();
    await until(() => heard.subscribed.length === 2, 'the resubscribe');
    expect(rules.checks).toBe(checks + 1);

    rules.banned.add('ada'); // revoked while connected: the next resubscribe is refused
    await ada.disconnect();
    ada.reconnect();
    await until(() => errors.length === 1, 'the refused resubscribe');
    expect(errors[0]).toMatchObject({ code: 'LATTICE_EVENTS_CHANNEL_DENIED' });
    // "Hears nothing": a sentinel on a public channel of the same connection, broadcast after.
    const sentinel = record(ada.events.subscribe('news'));
    await ada.events.subscribe('news').ready;
    await broadcaster.broadcast(new Posted('user.ada', 1));
    await broadcaster.broadcast(new Posted('news', 1));
    await until(() => sentinel.messages.length === 1, 'the sentinel on news');
    expect(heard.messages).toEqual([]);
  });

  it('lists presence members and tells of joins and leaves', async () => {
    const { url } = await start();
    const room = `room.${kind}${++counter}`;
    const ada = page(url, 'good-ada');
    const adaRoom = ada.events.subscribe(room);
    const joined: unknown[] = [];
    const left: unknown[] = [];
    adaRoom.joining((member) => joined.push(member.id));
    adaRoom.leaving((member) => left.push(member.id));
    await expect(adaRoom.ready).resolves.toMatchObject({
      members: [{ id: 'ada', info: { name: 'ADA' } }],
    });

    const bob = page(url, 'good-bob');
    const bobRoom = bob.events.subscribe(room);
    const here: string[][] = [];
    bobRoom.here((members) => here.push(members.map((m) => m.id!).sort()));
    await bobRoom.ready;
    expect(here).toEqual([['ada', 'bob']]);
    await until(() => joined.length === 1, 'ada to hear bob join');
    expect(
      adaRoom
        .present()
        .map((m) => m.id)
        .sort(),
    ).toEqual(['ada', 'bob']);

    await bob.events.unsubscribe(room);
    await until(() => left.length === 1, 'ada to hear bob leave');
    expect(left).toEqual(['bob']);
    expect(adaRoom.present().map((m) => m.id)).toEqual(['ada']);

    const anonymous = page(url);
    await expect(anonymous.events.subscribe(room).ready).rejects.toThrow(/may not subscribe/);
  });

  it('answers bad input with an error frame and keeps the connection', async () => {
    const { url, broadcaster } = await start({ maxPayloadBytes: 1024 });
    const client = await raw(url);
    client.ws.send('not json');
    client.ws.send(JSON.stringify({ topic: 'channel:news' }));
    await until(
      () => client.frames.filter((f) => f[1] === 'error').length === 2,
      'two error frames',
    );
    expect(
      client.frames.filter((f) => f[1] === 'error').map((f) => (f[2] as { code: string }).code),
    ).toEqual(['bad_frame', 'bad_frame']);

    expect(await client.request(['channel:nowhere', 'join', null])).toMatchObject({
      status: 'error',
      response: { code: 'LATTICE_EVENTS_CHANNEL_UNKNOWN' },
    });
    expect(await client.request([`channel:${'x'.repeat(300)}`, 'join', null])).toMatchObject({
      status: 'error',
      response: { code: 'LATTICE_EVENTS_CHANNEL_INVALID' },
    });
    expect(await client.request(['channel:news', 'join', { epoch: 5, offset: -1 }])).toMatchObject({
      status: 'error',
      response: { code: 'LATTICE_EVENTS_RESUME_INVALID' },
    });
    expect(await client.request(['channel:news', 'join', 'x'.repeat(2000)])).toMatchObject({
      status: 'error',
      response: { code: 'LATTICE_EVENTS_RESUME_INVALID' },
    });
    expect(await client.request(['channel:news', 'whisper', {}])).toMatchObject({
      status: 'error',
    });
    await expect(broadcaster.broadcast(new Posted('news', 1, 'y'.repeat(2000)))).rejects.toThrow(
      /is \d+ bytes; the limit is 1024/,
    );

    // Still connected and working.
    expect(await client.request(['channel:news', 'join', null])).toMatchObject({ status: 'ok' });
    await broadcaster.broadcast(new Posted('news', 2));
    await until(
      () => client.frames.some((f) => f[0] === 'channel:news' && f[1] === 'event'),
      'the event',
    );
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.close();
  });
}

describe('event channels (memory history)', () => {
  channelSuite('memory', () => ({}));

  it('reads history once per channel and range however many clients resume, at once or a moment later', async () => {
    let reads = 0;
    class SlowHistory extends MemoryChannelHistory {
      override async read(channel: string, after: number, limit: number): Promise<HistoryRead> {
        reads++;
        await pause(100); // pacing: a slow read, so that resumes overlap it
        return super.read(channel, after, limit);
      }
    }
    const history = new SlowHistory(1000);
    const { app, url } = await startEventsApp({ history });
    const clients: Array<{ close(): void }> = [];
    const resume = (from: { epoch: string; offset: number }) => {
      const client = pageClient(url);
      clients.push(client);
      return record(client.events.subscribe('news', { from }));
    };
    try {
      const broadcaster = app.get(WebSocketEventBroadcaster);
      const channels = app.get(PersistentWebSocketManager);
      for (let n = 1; n <= 10; n++) await broadcaster.broadcast(new Posted('news', n));
      const from = { epoch: history.epoch, offset: 2 };
      const storm = Array.from({ length: 20 }, () => resume(from));
      await until(() => storm.every((h) => h.messages.length === 8), 'every client to catch up');
      // The storm's stragglers, after the read has finished, and a client further on.
      const late = [
        ...Array.from({ length: 5 }, () => resume(from)),
        resume({ ...from, offset: 6 }),
      ];
      await until(() => late.every((h) => h.messages.length > 0 && h.ns().at(-1) === 10), 'late');
      expect(reads).toBe(1); // the joins' shared read; no client reads the tail after it (nothing new)
      expect(channels.historyReads).toBe(1);
      for (const h of [...storm, ...late.slice(0, 5)])
        expect(h.ns()).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      expect(late[5].ns()).toEqual([7, 8, 9, 10]);

      // Events broadcast during the replays come from one shared read of the new range.
      const more = Array.from({ length: 10 }, () => resume({ ...from, offset: 10 }));
      await broadcaster.broadcast(new Posted('news', 11));
      await until(() => more.every((h) => h.ns().includes(11)), 'the new event');
      expect(reads).toBeLessThanOrEqual(2);
    } finally {
      for (const client of clients) client.close();
      await app.close();
    }
  });
});

describeWith(['redis'], 'event channels (Redis history)', () => {
  const prefix = uniqueRedisPrefix('events');
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const env = () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  channelSuite('redis', env);

  it('trims a channel stream by length and tells a client behind it to resync', async () => {
    const { app, url } = await startEventsApp({ maxLength: 5 }, env());
    const client = pageClient(url);
    try {
      const broadcaster = app.get(WebSocketEventBroadcaster);
      const channels = app.get(PersistentWebSocketManager);
      const name = 'feed.trimmed';
      const from = (await channels.positions([name]))[name];
      for (let n = 1; n <= 8; n++) await broadcaster.broadcast(new Posted(name, n));
      const read = await channels.history.read(name, 0, 100);
      expect(read.entries.map((e) => e.offset)).toEqual([4, 5, 6, 7, 8]);
      const subscription = client.events.subscribe(name, { from });
      await expect(subscription.ready).resolves.toMatchObject({
        recovered: false,
        resync: 'history_trimmed',
      });
    } finally {
      client.close();
      await app.close();
    }
  });

  it('trims a channel stream by age, and starts a new epoch once the channel expires', async () => {
    const maxAgeMs = 1000;
    const { app } = await startEventsApp({ maxAgeMs }, env());
    try {
      const channels = app.get(PersistentWebSocketManager);
      // 1 and 2 must age past maxAgeMs while the channel is never idle that long (or its keys
      // expire and a new epoch begins). The waits are floors; a loaded machine can still stretch
      // a gap past maxAgeMs, which the clock readings show: then the run is tried again.
      let attempt = 0;
      const { name, last, read } = await waitFor(
        async () => {
          const name = `feed.aged-${++attempt}`;
          const clock: number[] = [];
          const publish = async (n: number) => {
            clock.push(Date.now());
            const message = await channels.publish(name, 'e', n);
            clock.push(Date.now());
            return message;
          };
          await publish(1);
          await publish(2); // clock[2], clock[3]
          await pause(600);
          await publish(3); // clock[4], clock[5]
          await pause(clock[3] + maxAgeMs + 10 - Date.now()); // 1 and 2 now older than maxAgeMs
          const last = await publish(4); // clock[6], clock[7]
          const read = await channels.history.read(name, 0, 100);
          const idle = [clock[5] - clock[2], clock[7] - clock[4], Date.now() - clock[6]];
          return idle.every((gap) => gap < maxAgeMs) && { name, last, read };
        },
        { what: 'a run without an idle gap of maxAgeMs', timeoutMs: 30_000 },
      );
      expect(read.entries.map((e) => e.data)).toEqual([3, 4]);
      expect(read.complete).toBe(false);
      await pause(maxAgeMs + 100); // a floor: idle for longer than maxAgeMs, the keys expire
      const next = await channels.publish(name, 'e', 5);
      expect(next.offset).toBe(1);
      expect(next.epoch).not.toBe(last.epoch);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('drops presence members of a node that stopped beating (a crash)', async () => {
    const { url } = await startEventsApp({}, env()).then((started) => {
      cleanup.push(() => started.app.close());
      return started;
    });
    const admin = new Redis(TEST_REDIS_URL);
    cleanup.push(async () => void admin.disconnect());
    const room = 'room.ghosts';
    const ghost = { key: 'deadnode:conn-1', id: 'ghost', info: {} };
    await admin.hset(`${prefix}events:presence:${room}`, ghost.key, JSON.stringify(ghost));
    const ada = pageClient(url, 'good-ada');
    cleanup.push(async () => ada.close());
    const subscription = ada.events.subscribe(room);
    const joined = await subscription.ready;
    expect(joined.members?.map((m) => m.id)).toEqual(['ada']);
    expect(await admin.hexists(`${prefix}events:presence:${room}`, ghost.key)).toBe(0);
  });

  it(
    'reaches clients on another node, and both nodes list the same presence members',
    async () => {
      const other = new TsProcess('test/integration/events/fixtures/events-node.ts', {
        ...env(),
        LOG_LEVEL: 'error',
      });
      const { app, url } = await startEventsApp({}, env());
      const clients: Array<{ close(): void }> = [];
      try {
        const [, otherUrl] = await other.waitFor(/listening (\S+)/, PROCESS_START_MS);
        const dispatcher = app.get(EventDispatcher);
        // Node B subscribes to the fan-out in the background after it starts listening: probe
        // until a broadcast from this node reaches a client on B, then test.
        const probe = pageClient(otherUrl);
        clients.push(probe);
        const probed = record(probe.events.subscribe('feed.probe'));
        await probe.events.subscribe('feed.probe').ready;
        let n = 0;
        await waitFor(
          async () => {
            await dispatcher.dispatchAndWait(new Posted('feed.probe', ++n));
            return probed.messages.length > 0;
          },
          { what: 'node B to hear this node', intervalMs: 200 },
        );
        const onB = pageClient(otherUrl);
        clients.push(onB);
        const heard = record(onB.events.subscribe('feed.cross'));
        await onB.events.subscribe('feed.cross').ready;
        for (let n = 1; n <= 5; n++) await dispatcher.dispatchAndWait(new Posted('feed.cross', n));
        await until(() => heard.messages.length === 5, 'the events on node B');
        expect(heard.ns()).toEqual([1, 2, 3, 4, 5]);

        const ada = pageClient(url, 'good-ada');
        const bob = pageClient(otherUrl, 'good-bob');
        clients.push(ada, bob);
        const adaRoom = ada.events.subscribe('room.cross');
        await adaRoom.ready;
        const bobRoom = bob.events.subscribe('room.cross');
        await bobRoom.ready;
        await until(() => adaRoom.present().length === 2, 'ada to see bob');
        const ids = (s: ChannelSubscription) =>
          s
            .present()
            .map((m) => m.id)
            .sort();
        expect(ids(adaRoom)).toEqual(['ada', 'bob']);
        expect(ids(bobRoom)).toEqual(['ada', 'bob']);
        bob.close();
        await until(() => adaRoom.present().length === 1, 'ada to see bob leave');
        expect(ids(adaRoom)).toEqual(['ada']);
      } finally {
        for (const client of clients) client.close();
        await app.close();
        await other.stop();
      }
    },
    PROCESS_TEST_MS,
  );
});
