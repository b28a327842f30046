// Events: dispatch overhead and broadcast latency, each against the mechanism it is built on.
//   Dispatch: EventDispatcher.dispatch (priorities, isolation) vs EventEmitter2.emit, 5 listeners.
//   Broadcast: WebSocketEventBroadcaster (history + offset + socket broadcast) vs socket's own
//   SocketManager.broadcast, publish call to arrival at a ws client, memory and Redis.
//   Catch-up: a client 1,000 events behind, replay unpaced, memory and Redis history.
// Run: npm run bench -- events   (Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379)
import 'reflect-metadata';
import { LatticeModule } from '@lattice/core';
import {
  type BroadcastableEvent,
  EventDispatcher,
  EventsModule,
  PersistentWebSocketManager,
  WebSocketEventBroadcaster,
} from '@lattice/events';
import { SocketManager, SocketModule } from '@lattice/socket';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { WsAdapter } from '@nestjs/platform-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { deleteKeys, interleave, machine, median, type Result, writeSection } from './support';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `lattice:bench-events:${process.pid}:`;
const payload = { id: 0, title: 'How do I cache a query by tag?', votes: 12 };

class AnswerPosted implements BroadcastableEvent {
  static readonly eventName = 'answer.posted';
  constructor(readonly n: number) {}
  broadcastOn() {
    return 'question.1';
  }
  broadcastWith() {
    return { ...payload, n: this.n };
  }
}

async function boot(
  redis: boolean,
  replayRate = 500,
): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...(redis ? { REDIS_URL, REDIS_KEY_PREFIX: PREFIX } : {}) },
        envFile: false,
        bootReport: false,
      }),
      SocketModule.forRoot({ rateLimit: { messages: 10_000, perMs: 1000 } }),
      EventsModule.forRoot({ channels: { public: ['question.*'], replayRate, replayBatch: 100 } }),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `ws://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/socket`,
  };
}

/** A ws client joined to `question.1`; `next()` resolves on the next frame of that topic. */
async function client(url: string, join: unknown = null) {
  const ws = new WebSocket(url);
  await new Promise((resolve) => ws.once('open', resolve));
  let waiting: ((frame: unknown[]) => void) | undefined;
  const frames: unknown[][] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as unknown[];
    if (frame[0] !== 'channel:question.1') return;
    frames.push(frame);
    waiting?.(frame);
  });
  const next = () => new Promise<unknown[]>((resolve) => (waiting = resolve));
  const joined = next();
  ws.send(JSON.stringify(['channel:question.1', 'join', join, '1']));
  await joined;
  return { ws, next, frames };
}

const fmt = (r: Result) =>
  `| ${r.name} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`;
const budget = { budgetMs: 1500, warmupMs: 300, sliceMs: 100 };

async function dispatch(): Promise<Result[]> {
  const { app } = await boot(false);
  const dispatcher = app.get(EventDispatcher);
  const emitter = new EventEmitter2({ wildcard: true, delimiter: '.' });
  let sink = 0;
  for (let i = 0; i < 5; i++) {
    dispatcher.on('bench.tick', (e: { n: number }) => (sink += e.n), { priority: i });
    emitter.on('bench.tick', (e: { n: number }) => (sink += e.n));
  }
  const event = { n: 1 };
  const results = await interleave(
    [
      {
        name: 'EventDispatcher.dispatch, 5 listeners',
        run: async () => dispatcher.dispatch('bench.tick', event),
      },
      {
        name: 'EventEmitter2.emit, 5 listeners (baseline)',
        run: async () => void emitter.emit('bench.tick', event),
      },
    ],
    budget,
  );
  await app.close();
  if (sink === 0) throw new Error('listeners never ran');
  return results;
}

async function broadcast(redis: boolean): Promise<Result[]> {
  const { app, url } = await boot(redis);
  const broadcaster = app.get(WebSocketEventBroadcaster);
  const sockets = app.get(SocketManager);
  const c = await client(url);
  let n = 0;
  const where = redis ? 'Redis' : 'memory';
  const results = await interleave(
    [
      {
        name: `WebSocketEventBroadcaster.broadcast (${where} history)`,
        run: async () => {
          const arrived = c.next();
          await broadcaster.broadcast(new AnswerPosted(++n));
          await arrived;
        },
      },
      {
        name: `SocketManager.broadcast, no history (baseline, ${where} PubSub)`,
        run: async () => {
          const arrived = c.next();
          await sockets.broadcast('channel:question.1', 'event', { ...payload, n: ++n });
          await arrived;
        },
      },
    ],
    budget,
  );
  c.ws.close();
  await app.close();
  return results;
}

async function catchUp(redis: boolean): Promise<{ name: string; ms: number }> {
  const { app, url } = await boot(redis, 1_000_000);
  const broadcaster = app.get(WebSocketEventBroadcaster);
  const channels = app.get(PersistentWebSocketManager);
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const from = (await channels.positions(['question.1']))['question.1'];
    for (let i = 0; i < 1000; i++) await broadcaster.broadcast(new AnswerPosted(i));
    const started = performance.now();
    const c = await client(url, from);
    while (!c.frames.some((f) => f[1] === 'replayed')) await new Promise((r) => setTimeout(r, 1));
    times.push(performance.now() - started);
    c.ws.close();
  }
  await app.close();
  return {
    name: `1,000 missed events, unpaced (${redis ? 'Redis Stream' : 'memory ring'})`,
    ms: median(times),
  };
}

async function main(): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    const rows = [
      ...(await dispatch()),
      ...(await broadcast(false)),
      ...(await broadcast(true)),
    ].map(fmt);
    const catchUps = [await catchUp(false), await catchUp(true)];
    const markdown = [
      '## Events',
      '',
      `\`npm run bench -- events\` · ${machine()}. Each pair interleaved (bench/support.ts), one call in flight; broadcast latency is from the call to arrival at a ws client on the same machine.`,
      '',
      '| what | ops/s | p50 ms | p99 ms |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
      '',
      '| catch-up | median of 5, join to `replayed` |',
      '| --- | ---: |',
      ...catchUps.map((c) => `| ${c.name} | ${c.ms.toFixed(1)} ms |`),
    ].join('\n');
    console.log(markdown);
    writeSection('events', markdown);
  } finally {
    await deleteKeys(admin, PREFIX);
    admin.disconnect();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
