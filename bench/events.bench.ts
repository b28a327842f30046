// Events: dispatch overhead and broadcast latency, each against the mechanism it is built on.
//   Dispatch: EventDispatcher.dispatch (priorities, isolation) vs EventEmitter2.emit, 5 listeners.
//   Broadcast: WebSocketEventBroadcaster (history + offset + socket broadcast) vs socket's own
//   SocketManager.broadcast, publish call to arrival at a ws client, memory and Redis.
//   Catch-up: a client 1,000 events behind, replay unpaced, memory and Redis history.
//   Fan-out: 1k, 5k and 10k ws clients on one public channel (held by child processes,
//   bench/events-clients.ts) vs a minimal raw `ws` broadcast server (bench/events-raw-server.ts)
//   with as many clients in the same run: delivered messages/s, latency, memory per connection.
//   Reconnect storm: 1,000 clients resume 1,000 events behind at once on Redis history: time
//   and Redis commands (counted on the events connection, and INFO commandstats deltas).
// Run: npm run bench -- events   (Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379)
import 'reflect-metadata';
import { LatticeModule, RedisConnections } from '@lattice/core';
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
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { type ClientCommand, type ClientReport, hrMs } from './events-clients';
import type { RawCommand } from './events-raw-server';
import {
  deleteKeys,
  interleave,
  machine,
  median,
  percentile,
  type Result,
  writeSection,
} from './support';

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
  replay: { replayRate: number; replayBatch: number } = { replayRate: 500, replayBatch: 100 },
): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...(redis ? { REDIS_URL, REDIS_KEY_PREFIX: PREFIX } : {}) },
        envFile: false,
        bootReport: false,
      }),
      SocketModule.forRoot({ rateLimit: { messages: 10_000, perMs: 1000 } }),
      EventsModule.forRoot({ channels: { public: ['question.*'], ...replay } }),
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
  const { app, url } = await boot(redis, { replayRate: 1_000_000, replayBatch: 100 });
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

// ---- Fan-out, memory per connection and the reconnect storm: clients in child processes ----

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
const TOPIC = 'channel:question.1';
const COUNTS = [1000, 5000, 10_000];
const CLIENT_PROCESSES = 2;
const BURST = 20;
const BURST_ROUNDS = 6;
const SINGLE_ROUNDS = 8;

/** A child process, on the same @swc-node/register hook as bench/run.mjs. */
function child(file: string, flags: string[] = []): ChildProcess {
  return fork(join(__dirname, file), [], {
    execArgv: ['-r', '@swc-node/register', ...flags],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Sends a command and resolves with the child's first report named `answer`. */
function ask<T extends { cmd: string }>(
  proc: ChildProcess,
  command: ClientCommand | RawCommand | null,
  answer: string,
  timeoutMs = 180_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.off('message', on);
      reject(new Error(`no "${answer}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (report: T | { cmd: 'failed'; error: string }) => {
      if (report.cmd === 'failed') {
        clearTimeout(timer);
        proc.off('message', on);
        reject(new Error((report as { error: string }).error));
      } else if (report.cmd === answer) {
        clearTimeout(timer);
        proc.off('message', on);
        resolve(report as T);
      }
    };
    proc.on('message', on);
    if (command) proc.send(command);
  });
}

class Tick implements BroadcastableEvent {
  static readonly eventName = 'answer.posted';
  constructor(
    readonly round: number,
    readonly n: number,
    /** When the burst began (the first broadcast call), on process.hrtime's clock. */
    readonly sentAt: number,
  ) {}
  broadcastOn() {
    return 'question.1';
  }
  broadcastWith() {
    return { ...payload, n: this.n, round: this.round, sentAt: this.sentAt };
  }
}

interface Memory {
  heap: number;
  rss: number;
}

interface FanOutRow {
  clients: number;
  side: 'lattice' | 'raw';
  /** Delivered messages per second, each burst round. */
  rates: number[];
  /** Server CPU µs per delivered message, each burst round. */
  cpu: number[];
  burstLatencies: number[];
  singleLatencies: number[];
  memory: Memory;
}

interface RoundResult {
  /** CPU time of the server's process per delivered message, µs. */
  cpuPerMessage: number;
  deliveries: number;
  seconds: number;
  latencies: number[];
}

let roundNo = 0;

async function fanOut(): Promise<{ rows: FanOutRow[]; lost: number }> {
  const { app, url } = await boot(false);
  const broadcaster = app.get(WebSocketEventBroadcaster);
  const sockets = app.get(SocketManager);
  const raw = child('events-raw-server.ts', ['--expose-gc']);
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => child('events-clients.ts'));
  const rows: FanOutRow[] = [];
  let lost = 0;
  try {
    const { port } = await ask<{ cmd: string; port: number }>(raw, null, 'ready');
    const rawUrl = `ws://127.0.0.1:${port}`;
    const rawMemory = () =>
      ask<{ cmd: string; heapUsed: number; rss: number; clients: number }>(
        raw,
        { cmd: 'memory' },
        'memory',
      );
    const ownMemory = () => {
      gc();
      gc();
      const { heapUsed, rss } = process.memoryUsage();
      return { heapUsed, rss };
    };
    const latticeBase = ownMemory();
    const rawBase = await rawMemory();

    const round = async (side: 'lattice' | 'raw', messages: number): Promise<RoundResult> => {
      const r = ++roundNo;
      await Promise.all(
        clients.map((c) => ask(c, { cmd: 'expect', group: side, round: r, messages }, 'expecting')),
      );
      const cpu = async () =>
        side === 'lattice'
          ? ((u) => u.user + u.system)(process.cpuUsage())
          : (await ask<{ cmd: string; micros: number }>(raw, { cmd: 'cpu' }, 'cpu')).micros;
      const cpuBefore = await cpu();
      const received = Promise.all(
        clients.map((c) =>
          ask<Extract<ClientReport, { cmd: 'received' }>>(c, null, 'received', 120_000),
        ),
      );
      if (side === 'lattice') {
        const sentAt = hrMs();
        for (let n = 0; n < messages; n++) await broadcaster.broadcast(new Tick(r, n, sentAt));
      } else {
        await ask(
          raw,
          { cmd: 'broadcast', round: r, count: messages, data: payload },
          'broadcasted',
        );
      }
      const reports = await received;
      const cpuSpent = (await cpu()) - cpuBefore;
      const latencies = reports.flatMap((report) => [...report.latencies]);
      const first = Math.min(...reports.map((report) => report.firstSent));
      const last = Math.max(...reports.map((report) => report.lastAt));
      return {
        cpuPerMessage: cpuSpent / latencies.length,
        deliveries: latencies.length,
        seconds: (last - first) / 1000,
        latencies,
      };
    };

    let connected = 0;
    for (const count of COUNTS) {
      const share = (i: number) =>
        Math.floor((count - connected) / clients.length) +
        (i < (count - connected) % clients.length ? 1 : 0);
      const started = performance.now();
      await Promise.all(
        clients.map((c, i) =>
          ask(
            c,
            { cmd: 'connect', group: 'lattice', url, count: share(i), join: TOPIC },
            'connected',
          ),
        ),
      );
      const connectSeconds = (performance.now() - started) / 1000;
      if (sockets.subscriberCount(TOPIC) !== count)
        throw new Error(`${sockets.subscriberCount(TOPIC)} subscribers, expected ${count}`);
      const latticeNow = ownMemory();
      await Promise.all(
        clients.map((c, i) =>
          ask(c, { cmd: 'connect', group: 'raw', url: rawUrl, count: share(i) }, 'connected'),
        ),
      );
      const rawNow = await rawMemory();
      if (rawNow.clients !== count) throw new Error(`raw server has ${rawNow.clients} clients`);
      connected = count;
      console.log(
        `${count} clients connected to each server (Lattice in ${connectSeconds.toFixed(1)} s)`,
      );

      const sides = {
        lattice: {
          rates: [] as number[],
          cpu: [] as number[],
          burst: [] as number[],
          single: [] as number[],
          memory: {
            heap: (latticeNow.heapUsed - latticeBase.heapUsed) / count,
            rss: (latticeNow.rss - latticeBase.rss) / count,
          },
        },
        raw: {
          rates: [] as number[],
          cpu: [] as number[],
          burst: [] as number[],
          single: [] as number[],
          memory: {
            heap: (rawNow.heapUsed - rawBase.heapUsed) / count,
            rss: (rawNow.rss - rawBase.rss) / count,
          },
        },
      };
      // Warm-up, then bursts and single broadcasts, alternating which server goes first.
      await round('lattice', 2);
      await round('raw', 2);
      for (let i = 0; i < BURST_ROUNDS; i++) {
        for (const side of i % 2 ? (['raw', 'lattice'] as const) : (['lattice', 'raw'] as const)) {
          const result = await round(side, BURST);
          lost += count * BURST - result.deliveries;
          sides[side].rates.push(result.deliveries / result.seconds);
          sides[side].cpu.push(result.cpuPerMessage);
          for (const l of result.latencies) sides[side].burst.push(l);
        }
      }
      for (let i = 0; i < SINGLE_ROUNDS; i++) {
        for (const side of i % 2 ? (['raw', 'lattice'] as const) : (['lattice', 'raw'] as const)) {
          const result = await round(side, 1);
          lost += count - result.deliveries;
          for (const l of result.latencies) sides[side].single.push(l);
        }
      }
      for (const side of ['lattice', 'raw'] as const) {
        rows.push({
          clients: count,
          side,
          rates: sides[side].rates,
          cpu: sides[side].cpu,
          burstLatencies: sides[side].burst,
          singleLatencies: sides[side].single,
          memory: sides[side].memory,
        });
      }
      const [l, r] = rows.slice(-2);
      console.log(
        `${count}: Lattice ${Math.round(median(l.rates))}/s · raw ${Math.round(median(r.rates))}/s · ${((100 * median(l.rates)) / median(r.rates)).toFixed(0)} %`,
      );
    }
  } finally {
    await Promise.all(
      clients.map((c) => ask(c, { cmd: 'close', group: 'raw' }, 'closed').catch(() => undefined)),
    );
    await Promise.all(
      clients.map((c) =>
        ask(c, { cmd: 'close', group: 'lattice' }, 'closed').catch(() => undefined),
      ),
    );
    for (const c of [...clients, raw]) c.kill();
    await app.close();
  }
  return { rows, lost };
}

interface Storm {
  paced: boolean;
  rounds: Array<{
    seconds: number;
    joinSeconds: number;
    events: number;
    inOrder: boolean;
    /** Commands the events Redis connection sent, by name. */
    sent: Record<string, number>;
    /** INFO commandstats deltas on the whole Redis server (other users included). */
    server: Record<string, number>;
    sharedReads: number;
    /** CPU seconds of the server's process, and of the client processes, during the storm. */
    serverCpu: number;
    clientCpu: number;
  }>;
}

const STORM_CLIENTS = 1000;
const STORM_MISSED = 1000;

async function commandStats(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const calls: Record<string, number> = {};
  for (const [, name, n] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls[name] = Number(n);
  return calls;
}

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );

/** 1,000 clients resume at once, each 1,000 events behind, on Redis history. */
async function storm(admin: Redis, paced: boolean): Promise<Storm> {
  const { app, url } = await boot(true, {
    replayRate: paced ? 500 : 1_000_000,
    replayBatch: 50,
  });
  const broadcaster = app.get(WebSocketEventBroadcaster);
  const channels = app.get(PersistentWebSocketManager);
  const connection = app.get(RedisConnections).get('events');
  const sent = new Map<string, number>();
  const sendCommand = connection.sendCommand.bind(connection);
  connection.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    sent.set(command.name, (sent.get(command.name) ?? 0) + 1);
    return (sendCommand as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof connection.sendCommand;
  const clients = Array.from({ length: CLIENT_PROCESSES }, () => child('events-clients.ts'));
  const result: Storm = { paced, rounds: [] };
  try {
    for (let round = 0; round < 3; round++) {
      const from = (await channels.positions(['question.1']))['question.1'];
      for (let i = 0; i < STORM_MISSED; i++) await broadcaster.broadcast(new AnswerPosted(i));
      const sentBefore = Object.fromEntries(sent);
      const serverBefore = await commandStats(admin);
      const readsBefore = channels.historyReads;
      const cpuBefore = process.cpuUsage();
      const reports = await Promise.all(
        clients.map((c, i) =>
          ask<Extract<ClientReport, { cmd: 'caughtUp' }>>(
            c,
            {
              cmd: 'catchUp',
              url,
              count:
                STORM_CLIENTS / CLIENT_PROCESSES + (i === 0 ? STORM_CLIENTS % CLIENT_PROCESSES : 0),
              topic: TOPIC,
              from,
              missed: STORM_MISSED,
            },
            'caughtUp',
          ),
        ),
      );
      const cpu = process.cpuUsage(cpuBefore);
      const serverAfter = await commandStats(admin);
      const started = Math.min(...reports.map((r) => r.startedAt));
      result.rounds.push({
        seconds: (Math.max(...reports.map((r) => r.lastAt)) - started) / 1000,
        joinSeconds: (Math.max(...reports.map((r) => r.lastJoinedAt)) - started) / 1000,
        events: reports.reduce((sum, r) => sum + r.events, 0),
        inOrder: reports.every((r) => r.inOrder),
        sent: delta(Object.fromEntries(sent), sentBefore),
        server: delta(serverAfter, serverBefore),
        sharedReads: channels.historyReads - readsBefore,
        serverCpu: (cpu.user + cpu.system) / 1e6,
        clientCpu: reports.reduce((sum, r) => sum + r.cpu, 0) / 1e6,
      });
      console.log(`storm (${paced ? 'paced' : 'unpaced'}):`, JSON.stringify(result.rounds.at(-1)));
    }
  } finally {
    for (const c of clients) c.kill();
    await app.close();
  }
  return result;
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (values: number[], p: number) => percentile(values, p).toFixed(1);

function fanOutMarkdown(rows: FanOutRow[], lost: number): string[] {
  const lines = [
    `| clients | server | delivered msgs/s (median of ${BURST_ROUNDS} bursts) | % of raw | server CPU per delivered msg | burst latency p50 / p95 ms | one broadcast p50 / p95 ms |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const raw = rows.find((r) => r.clients === row.clients && r.side === 'raw')!;
    const share = (100 * median(row.rates)) / median(raw.rates);
    const name =
      row.side === 'lattice'
        ? 'Lattice (WebSocketEventBroadcaster, memory history)'
        : 'raw `ws` (baseline)';
    const ofRaw =
      row.side === 'raw'
        ? '100 %'
        : `${share.toFixed(0)} % (${share >= 85 ? 'goal met' : 'goal not met'})`;
    lines.push(
      `| ${int(row.clients)} | ${name} | ${int(median(row.rates))} | ${ofRaw} | ${median(row.cpu).toFixed(2)} µs | ${ms(row.burstLatencies, 50)} / ${ms(row.burstLatencies, 95)} | ${ms(row.singleLatencies, 50)} / ${ms(row.singleLatencies, 95)} |`,
    );
  }
  const counts = [...new Set(rows.map((r) => r.clients))];
  const cpuRatio = (count: number) => {
    const of = (side: string) => rows.find((r) => r.clients === count && r.side === side)!;
    return median(of('lattice').cpu) / median(of('raw').cpu);
  };
  lines.push(
    '',
    `Server CPU per delivered message, Lattice ÷ raw: ${counts.map((c) => `${cpuRatio(c).toFixed(2)}× at ${int(c)}`).join(', ')} (the Lattice process also receives the clients' receipt times over IPC). Where the server's CPU is the limit, Lattice would deliver about 1 ÷ that ratio of raw's throughput: ${counts.map((c) => `${(100 / cpuRatio(c)).toFixed(0)} %`).join(', ')}.`,
  );
  lines.push(
    '',
    `Messages lost: ${int(lost)}. Memory per connection on the server, after a full GC, (usage with N clients subscribed − usage before any client) ÷ N. RSS is the noisy one at small N: the Lattice process returns pages freed by the cases that ran before it, which can make the difference negative; the 10,000 row is the one to read.`,
    '',
    '| clients | Lattice heap | Lattice RSS | raw `ws` heap | raw `ws` RSS |',
    '| ---: | ---: | ---: | ---: | ---: |',
  );
  for (const count of new Set(rows.map((r) => r.clients))) {
    const l = rows.find((r) => r.clients === count && r.side === 'lattice')!.memory;
    const r = rows.find((x) => x.clients === count && x.side === 'raw')!.memory;
    lines.push(
      `| ${int(count)} | ${kib(l.heap)} | ${kib(l.rss)} | ${kib(r.heap)} | ${kib(r.rss)} |`,
    );
  }
  return lines;
}

function stormMarkdown(storms: Storm[]): string[] {
  const lines = [
    '| replay pace | all caught up (median of 3) | all joins answered | CPU s: server / clients | events replayed per round | shared history reads | XRANGE sent by the node | XRANGE on the Redis server | other commands sent, first round |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of storms) {
    const m = (f: (r: Storm['rounds'][number]) => number) => median(s.rounds.map(f));
    const other = Object.entries(s.rounds[0].sent)
      .filter(([name]) => name !== 'xrange')
      .map(([name, n]) => `${name} ${int(n)}`)
      .join(', ');
    lines.push(
      `| ${s.paced ? '500 events/s per client, batches of 50 (defaults)' : 'unpaced (1,000,000/s), batches of 50'} | ${m((r) => r.seconds).toFixed(2)} s | ${m((r) => r.joinSeconds).toFixed(2)} s | ${m((r) => r.serverCpu).toFixed(1)} / ${m((r) => r.clientCpu).toFixed(1)} | ${int(m((r) => r.events))}${s.rounds.every((r) => r.inOrder) ? ', all in order' : ', NOT all in order'} | ${s.rounds.map((r) => r.sharedReads).join(', ')} | ${s.rounds.map((r) => r.sent.xrange ?? 0).join(', ')} | ${s.rounds.map((r) => r.server.xrange ?? 0).join(', ')} | ${other} |`,
    );
  }
  const tails = storms.flatMap((s) => s.rounds.map((r) => (r.sent.xrange ?? 0) - r.sharedReads));
  lines.push(
    '',
    `XRANGE sent − shared reads = ${[...new Set(tails)].map(int).join(' or ')} per storm of ${int(STORM_CLIENTS)} clients. The joins of a storm share a range read while it runs and for 5 s after (PersistentWebSocketManager's SharedHistoryReads: offsets within an epoch never change, so each client gets a slice); each replay ends with the channel's head as of then (one position read shared by the clients asking meanwhile) and reads more only when something was broadcast during the replay. The multi/hmget/exec counts are those position reads (a join's and a replay's end).`,
  );
  return lines;
}

/** Processes running jest when the run starts (other people's test runs on the same cores). */
function jestProcesses(): number {
  try {
    return readdirSync('/proc')
      .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
      .filter((pid) => {
        try {
          return /\bjest\b/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
        } catch {
          return false;
        }
      }).length;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const admin = new Redis(REDIS_URL);
  const loadBefore = loadavg()[0];
  const jest = jestProcesses();
  const began = performance.now();
  try {
    const rows = [
      ...(await dispatch()),
      ...(await broadcast(false)),
      ...(await broadcast(true)),
    ].map(fmt);
    const catchUps = [await catchUp(false), await catchUp(true)];
    const fan = await fanOut();
    const storms = [await storm(admin, true), await storm(admin, false)];
    const minutes = (performance.now() - began) / 60_000;
    const markdown = [
      '## Events',
      '',
      `\`npm run bench -- events\` · ${machine()} · the run took ${minutes.toFixed(1)} min; 1-minute load average ${loadBefore.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end; ${jest} processes running jest when it started (these 2 cores are shared with other test runs, so figures move between runs and rounds). Each pair interleaved (bench/support.ts), one call in flight; broadcast latency is from the call to arrival at a ws client on the same machine.`,
      '',
      '| what | ops/s | p50 ms | p99 ms |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
      '',
      '| catch-up | median of 5, join to `replayed` |',
      '| --- | ---: |',
      ...catchUps.map((c) => `| ${c.name} | ${c.ms.toFixed(1)} ms |`),
      '',
      '### Fan-out to many clients',
      '',
      `One public channel (\`question.1\`), Lattice on one node with memory history and the in-process PubSub, against a minimal broadcast server on the \`ws\` package (bench/events-raw-server.ts, its own process: every client gets every message, serialized once, in the same frame shape and size). The clients are \`ws\` sockets in ${CLIENT_PROCESSES} child processes (bench/events-clients.ts) that join the channel over the events wire protocol (\`["channel:question.1","join",null,"1"]\`) and parse every frame; the same processes hold as many clients of the raw server, so both servers have N clients connected throughout and their rounds alternate. A burst round is ${BURST} broadcasts back to back (\`await broadcaster.broadcast(event)\` each; the raw server loops over its clients); msgs/s = deliveries ÷ (last receipt − first broadcast call); latency = receipt − the first broadcast call of its round, on one monotonic clock (process.hrtime), the same definition on both sides, so a burst's latency includes the wait behind the messages before it. "One broadcast" is ${SINGLE_ROUNDS} rounds of a single broadcast per server per client count (latency from the call). Server CPU per message is the server process's user + system time over the burst rounds ÷ deliveries. Clients, servers and Node share the 2 cores, so these are loopback figures with the clients' own parsing on the same CPUs.`,
      '',
      ...fanOutMarkdown(fan.rows, fan.lost),
      '',
      `Delivered msgs/s per burst round, Lattice | raw: ${[
        ...new Set(fan.rows.map((r) => r.clients)),
      ]
        .map(
          (count) =>
            `${int(count)} clients ${fan.rows
              .filter((r) => r.clients === count)
              .map((r) => r.rates.map(int).join(', '))
              .join(' | ')}`,
        )
        .join('; ')}.`,
      '',
      '### Reconnect storm on Redis history',
      '',
      `${int(STORM_CLIENTS)} clients (in ${CLIENT_PROCESSES} child processes) open a socket at the same moment and join \`question.1\` from the same position, ${int(STORM_MISSED)} events behind (what reconnecting tabs send), on Redis history (REDIS_URL set); time from the first socket opened to the last \`replayed\` frame, 3 rounds per pace. Each client checks it got the ${int(STORM_MISSED)} events in offset order. Redis commands are counted on the node's events connection (a wrapper on ioredis' sendCommand: exact) and as \`INFO commandstats\` deltas over the storm (the whole Redis server: other users add to it). "Shared history reads" is PersistentWebSocketManager.historyReads (the reads shared between joins of the same channel and range).`,
      '',
      ...stormMarkdown(storms),
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
