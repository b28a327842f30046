// State streams: @lattice/state's appends per store against the same write done raw, recovery
// time of a 1,000,000-event stream with and without checkpoints, and heap per idle stream.
//   Memory: StateManager.dispatch() and MemoryStateStore.append() vs a plain in-process log
//     (a Map of arrays: expected-version check, then push into the stream's array and a global one).
//   Redis: dispatch(), the store's append() (as StateStores gives it, and the bare RedisStateStore)
//     vs a raw ioredis XADD of the same event JSON.
//   SQL on SQLite and on MariaDB: dispatch() and SqlStateStore.append() vs a raw single-row INSERT
//     through the same TypeORM DataSource's query() into a table of the same schema.
//   Recovery: StateManager.recover() on Redis and in memory; heap per idle stream in memory.
// Run: npm run bench -- state   (needs Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379,
// and MariaDB/MySQL at BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306; deletes every key
// under its own lattice:bench:state:<random>: prefix, its SQLite file and its scratch database)
import 'reflect-metadata';
import { LatticeModule, RedisConnections } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import {
  Apply,
  DistributedStateStore,
  RedisStateStore,
  StateDefinition,
  StateManager,
  StateModule,
  StateStores,
  stateChecksum,
  type PendingEvent,
  type StateReducer,
  type StateStore,
  type StoreKind,
  type StreamDefinition,
} from '@lattice/state';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { deleteKeys, interleave, machine, median, Result, Side, writeSection } from './support';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUN_ID = randomBytes(3).toString('hex');
const PREFIX = `lattice:bench:state:${RUN_ID}:`;
const SERVER_URL = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(
  /\/$/,
  '',
);
const DATABASE = `lattice_bench_state_${RUN_ID}`;
const SQLITE_FILE = join(tmpdir(), `lattice-bench-state-${RUN_ID}.sqlite`);
/** Timed work per side and case, after the warm-up. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2_000);
const WARMUP_MS = 300;
/** The sides of a case alternate in slices of about this long. */
const SLICE_MS = 200;
/** Streams with one append in flight each: one call appends one event to each of them. */
const IN_FLIGHT = [1, 32];
/** In memory, appends pile up: rounds of this budget per side, the stores emptied in between. */
const MEMORY_ROUNDS = 5;
const MEMORY_ROUND_MS = 400;
const GOAL_PERCENT = 70;
/** Recovery: events in the stream, a checkpoint every CHECKPOINT events, filled FILL at a time. */
const RECOVERY_EVENTS = Number(process.env.BENCH_RECOVERY_EVENTS ?? 1_000_000);
const CHECKPOINT = 1_000;
const FILL = 1_000;
const RECOVERY_GOAL_MS = 1_000;
const RUNS_WITH_CHECKPOINTS = 7;
const RUNS_FULL_REPLAY = 3;
/** Heap per idle stream: this many streams of IDLE_EVENTS events each, in memory. */
const IDLE_STREAMS = Number(process.env.BENCH_IDLE_STREAMS ?? 100_000);
const IDLE_EVENTS = 3;
const IDLE_PARALLEL = 500;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PAYLOAD = {
  questionId: 4812,
  answerId: 90211,
  userId: 7,
  title: 'How do I cache a query by tag?',
};
const posted = z.object({
  questionId: z.number().int(),
  answerId: z.number().int(),
  userId: z.number().int(),
  title: z.string(),
});
type Posted = z.infer<typeof posted>;

interface Tally {
  answers: number;
  lastAnswerId: number;
  lastUserId: number;
}

/** The appended streams: the defaults (snapshot every 100 events, 'reject' on a stale version). */
@StateDefinition({ name: 'answers' })
class AnswersState implements StateReducer<Tally> {
  initial(): Tally {
    return { answers: 0, lastAnswerId: 0, lastUserId: 0 };
  }

  @Apply('posted', posted)
  posted(state: Tally, payload: Posted): Tally {
    return {
      answers: state.answers + 1,
      lastAnswerId: payload.answerId,
      lastUserId: payload.userId,
    };
  }
}

/** The recovered streams: checkpointed every CHECKPOINT events. */
@StateDefinition({ name: 'replay', snapshotEvery: CHECKPOINT })
class ReplayState implements StateReducer<Tally> {
  initial(): Tally {
    return { answers: 0, lastAnswerId: 0, lastUserId: 0 };
  }

  @Apply('posted', posted)
  posted(state: Tally, payload: Posted): Tally {
    return {
      answers: state.answers + 1,
      lastAnswerId: payload.answerId,
      lastUserId: payload.userId,
    };
  }
}

/** A fresh event, as StateManager.dispatch() builds it before handing it to the store. */
const pending = (): PendingEvent => ({
  id: randomUUID(),
  type: 'posted',
  payload: { ...PAYLOAD },
  metadata: { timestamp: new Date().toISOString(), schemaVersion: 1 },
});
const EVENT_BYTES = Buffer.byteLength(JSON.stringify(pending()));
const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(PAYLOAD));

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const dur = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const secs = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const pct = (n: number) => `${n.toFixed(1)} %`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function boot(
  store: StoreKind,
  env: Record<string, string>,
  cacheSize?: number,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      ...(store === 'sql' ? [DatabaseModule.forRoot({ logging: false })] : []),
      StateModule.forRoot({ store, cacheSize, devtools: false }),
    ],
    providers: [AnswersState, ReplayState],
  })
  class BenchModule {}
  // SQL: failed appends are counted by the bench; TypeORM would also log each one.
  return NestFactory.createApplicationContext(BenchModule, {
    logger: store === 'sql' ? false : ['error'],
  });
}

/** The plain in-process log the memory store is compared with. */
class ArrayLog {
  private streams = new Map<string, object[]>();
  private all: object[] = [];

  async append(streamId: string, events: PendingEvent[], expectedVersion: number) {
    let stream = this.streams.get(streamId);
    if (!stream) this.streams.set(streamId, (stream = []));
    if (stream.length !== expectedVersion)
      throw new Error(`${streamId} is not at ${expectedVersion}`);
    const stored = events.map((event, index) => ({
      ...event,
      streamId,
      version: expectedVersion + index + 1,
      position: this.all.length + index + 1,
    }));
    stream.push(...stored);
    this.all.push(...stored);
    return stored;
  }

  reset(): void {
    this.streams = new Map();
    this.all = [];
  }
}

/** Appends a side attempted and those that threw (by error code), warm-up included. */
interface Attempts {
  attempted: number;
  failed: Map<string, number>;
}
type Counted = Side & { tally: Attempts };

/** Runs one append, counting it; a failure is counted by its code instead of ending the run. */
async function counted(tally: Attempts, append: () => Promise<unknown>): Promise<boolean> {
  tally.attempted++;
  try {
    await append();
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
    tally.failed.set(code, (tally.failed.get(code) ?? 0) + 1);
    return false;
  }
}

const newTally = (): Attempts => ({ attempted: 0, failed: new Map() });

/** One call = one append of one fresh event to each of `streams` at once; versions tracked here. */
function appending(
  name: string,
  streams: string[],
  append: (streamId: string, version: number) => Promise<unknown>,
): Counted & { versions: Map<string, number> } {
  const versions = new Map(streams.map((s) => [s, 0]));
  const tally = newTally();
  return {
    name,
    versions,
    tally,
    run: () =>
      Promise.all(
        streams.map(async (s) => {
          const version = versions.get(s)!;
          if (await counted(tally, () => append(s, version))) versions.set(s, version + 1);
        }),
      ),
  };
}

function dispatching(name: string, manager: StateManager, streams: string[]): Counted {
  const tally = newTally();
  return {
    name,
    tally,
    run: () =>
      Promise.all(
        streams.map((s) =>
          counted(tally, () => manager.dispatch(s, { type: 'posted', payload: { ...PAYLOAD } })),
        ),
      ),
  };
}

const streamsOf = (tag: string, count: number) =>
  Array.from({ length: count }, (_, i) => `answers:${tag}-${count}-${i}`);

/** A side's figures in events, and the appends that failed. */
interface Measured extends Result {
  attempted: number;
  failed: Map<string, number>;
}

const failedCount = (m: Measured) => [...m.failed.values()].reduce((a, b) => a + b, 0);

/** Events/s of a side: calls/s times the streams each call appends to, minus failed appends. */
const perEvent = (r: Result, inFlight: number, attempts: Attempts): Measured => {
  const failed = [...attempts.failed.values()].reduce((a, b) => a + b, 0);
  return {
    ...r,
    perSecond: r.perSecond * inFlight * (attempts.attempted ? 1 - failed / attempts.attempted : 1),
    attempted: attempts.attempted,
    failed: attempts.failed,
  };
};

interface Row {
  store: string;
  inFlight: number;
  /** The Lattice paths, then the baseline last. */
  results: Measured[];
  baseline: string;
  /** InnoDB deadlocks during the case (MariaDB only). */
  deadlocks?: number;
}

const ratioOf = (r: Result, baseline: Result) => (r.perSecond / baseline.perSecond) * 100;

function printRow(row: Row): void {
  const baseline = row.results[row.results.length - 1];
  out(
    `  ${row.store}, ${row.inFlight} in flight:${row.deadlocks === undefined ? '' : ` (InnoDB deadlocks during the case: ${fmt(row.deadlocks)})`}`,
  );
  for (const r of row.results)
    out(
      `    ${r.name}: ${fmt(r.perSecond)} events/s p50 ${dur(r.p50)} p99 ${dur(r.p99)} (${fmt(r.samples)} calls)${r === baseline ? ' — baseline' : ` · ${pct(ratioOf(r, baseline))} of raw`}${failedCount(r) ? ` · ${failures(r)}` : ''}`,
    );
}

/** "12 of 3,456 appends failed (ER_X × 12)". */
function failures(r: Measured): string {
  const codes = [...r.failed].map(([code, n]) => `${code} × ${fmt(n)}`).join(', ');
  return `${fmt(failedCount(r))} of ${fmt(r.attempted)} appends failed (${codes})`;
}

async function measure(sides: Counted[], inFlight: number): Promise<Measured[]> {
  const results = await interleave(sides, {
    budgetMs: BUDGET_MS,
    warmupMs: WARMUP_MS,
    sliceMs: SLICE_MS,
  });
  return results.map((r, i) => perEvent(r, inFlight, sides[i].tally));
}

/** Median of each figure over the rounds (the p99 is the median of the rounds' p99s). */
function medianResult(results: Measured[]): Measured {
  const failed = new Map<string, number>();
  for (const r of results)
    for (const [code, n] of r.failed) failed.set(code, (failed.get(code) ?? 0) + n);
  return {
    name: results[0].name,
    perSecond: median(results.map((r) => r.perSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    samples: results.reduce((sum, r) => sum + r.samples, 0),
    attempted: results.reduce((sum, r) => sum + r.attempted, 0),
    failed,
  };
}

async function expectVersions(
  label: string,
  store: { version(streamId: string): Promise<number> },
  versions: Map<string, number>,
): Promise<void> {
  for (const [streamId, version] of versions) {
    const stored = await store.version(streamId);
    if (stored !== version)
      throw new Error(`${label}: ${streamId} is at ${stored} in the store, ${version} expected`);
  }
}

async function memoryAppends(): Promise<Row[]> {
  out('Memory store appends…');
  const app = await boot('memory', {});
  const rows: Row[] = [];
  try {
    const manager = app.get(StateManager);
    const stores = app.get(StateStores);
    const log = new ArrayLog();
    for (const inFlight of IN_FLIGHT) {
      const rounds: Measured[][] = [];
      for (let round = 0; round < MEMORY_ROUNDS; round++) {
        const store = stores.get('memory');
        if (store.constructor.name !== 'MemoryStateStore')
          throw new Error(`expected the memory store, got ${store.constructor.name}`);
        const tag = `m${round}`;
        const direct = appending(
          'MemoryStateStore.append',
          streamsOf(`${tag}s`, inFlight),
          (s, v) => store.append(s, [pending()], v),
        );
        const sides: Counted[] = [
          dispatching('StateManager.dispatch', manager, streamsOf(`${tag}d`, inFlight)),
          direct,
          appending('plain array log (baseline)', streamsOf(`${tag}a`, inFlight), (s, v) =>
            log.append(s, [pending()], v),
          ),
        ];
        const results = await interleave(sides, {
          budgetMs: MEMORY_ROUND_MS,
          warmupMs: round === 0 ? WARMUP_MS : 50,
          sliceMs: 100,
        });
        await expectVersions('memory store', store, direct.versions);
        rounds.push(results.map((r, i) => perEvent(r, inFlight, sides[i].tally)));
        // Empty every side's log before the next round, so the heap does not grow round to round.
        await stores.onApplicationShutdown();
        manager.forget();
        log.reset();
        gc();
      }
      const row: Row = {
        store: 'memory',
        inFlight,
        results: rounds[0].map((_, i) => medianResult(rounds.map((r) => r[i]))),
        baseline: 'plain array log',
      };
      printRow(row);
      rows.push(row);
    }
  } finally {
    await app.close();
  }
  return rows;
}

async function redisAppends(): Promise<Row[]> {
  out(`Redis store appends (prefix ${PREFIX})…`);
  const app = await boot('redis', { REDIS_URL, REDIS_KEY_PREFIX: PREFIX });
  const raw = new Redis(REDIS_URL, {
    connectionName: 'bench:raw',
    retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 5000),
  });
  const rows: Row[] = [];
  try {
    const manager = app.get(StateManager);
    const store = app.get(StateStores).get('redis');
    if (!(store instanceof DistributedStateStore))
      throw new Error(`expected the distributed Redis store, got ${store.constructor.name}`);
    const redis = app.get(RedisConnections);
    const bare = new RedisStateStore(redis.get('state'), redis.key('state', ''));
    for (const inFlight of IN_FLIGHT) {
      const viaStore = appending(
        'store.append (DistributedStateStore)',
        streamsOf('rs', inFlight),
        (s, v) => store.append(s, [pending()], v),
      );
      const viaBare = appending(
        'RedisStateStore.append (bare)',
        streamsOf('rb', inFlight),
        (s, v) => bare.append(s, [pending()], v),
      );
      const rawSide = appending('raw XADD (baseline)', streamsOf('rx', inFlight), (s) =>
        raw.xadd(`${PREFIX}raw:${s}`, '*', 'e', JSON.stringify(pending())),
      );
      const results = await measure(
        [
          dispatching('StateManager.dispatch', manager, streamsOf('rd', inFlight)),
          viaStore,
          viaBare,
          rawSide,
        ],
        inFlight,
      );
      await expectVersions('Redis store', store, viaStore.versions);
      await expectVersions('bare Redis store', bare, viaBare.versions);
      for (const [s, v] of rawSide.versions) {
        if ((await raw.xlen(`${PREFIX}raw:${s}`)) !== v)
          throw new Error(`raw stream ${s} is short`);
      }
      const row: Row = { store: 'Redis', inFlight, results, baseline: 'raw XADD' };
      printRow(row);
      rows.push(row);
    }
  } finally {
    raw.disconnect();
    await app.close();
  }
  return rows;
}

const RAW_TABLE = 'bench_raw_events';
const RAW_SCHEMA = {
  sqlite: `CREATE TABLE ${RAW_TABLE} (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL, event_id CHAR(36) NOT NULL, type VARCHAR(100) NOT NULL, payload TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, version))`,
  mysql: `CREATE TABLE ${RAW_TABLE} (position BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, stream_id VARCHAR(255) NOT NULL, version INT UNSIGNED NOT NULL, event_id CHAR(36) NOT NULL, type VARCHAR(100) NOT NULL, payload LONGTEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE KEY uq_raw_stream_version (stream_id, version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
};

async function sqlAppends(label: string, databaseUrl: string): Promise<Row[]> {
  out(`SQL store appends on ${label}…`);
  const app = await boot('sql', { DATABASE_URL: databaseUrl });
  const rows: Row[] = [];
  try {
    const manager = app.get(StateManager);
    const store = app.get(StateStores).get('sql');
    if (store.constructor.name !== 'SqlStateStore')
      throw new Error(`expected the SQL store, got ${store.constructor.name}`);
    const dataSource = app.get(DataSource);
    const dialect = dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
    await dataSource.query(RAW_SCHEMA[dialect]);
    const insert = `INSERT INTO ${RAW_TABLE} (stream_id, version, event_id, type, payload, metadata) VALUES (?, ?, ?, ?, ?, ?)`;
    for (const inFlight of IN_FLIGHT) {
      const viaStore = appending('SqlStateStore.append', streamsOf('ss', inFlight), (s, v) =>
        store.append(s, [pending()], v),
      );
      const rawSide = appending(
        'raw INSERT via DataSource.query (baseline)',
        streamsOf('sx', inFlight),
        (s, v) => {
          const event = pending();
          return dataSource.query(insert, [
            s,
            v + 1,
            event.id,
            event.type,
            JSON.stringify(event.payload),
            JSON.stringify(event.metadata),
          ]);
        },
      );
      const deadlocks = async () =>
        dialect === 'mysql'
          ? Number(
              (
                (await dataSource.query("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")) as {
                  Value: string;
                }[]
              )[0].Value,
            )
          : 0;
      const deadlocksBefore = await deadlocks();
      const results = await measure(
        [
          dispatching('StateManager.dispatch', manager, streamsOf('sd', inFlight)),
          viaStore,
          rawSide,
        ],
        inFlight,
      );
      await expectVersions(`SQL store on ${label}`, store, viaStore.versions);
      const row: Row = {
        store: `SQL on ${label}`,
        inFlight,
        results,
        baseline: 'raw INSERT',
        deadlocks: dialect === 'mysql' ? (await deadlocks()) - deadlocksBefore : undefined,
      };
      printRow(row);
      rows.push(row);
    }
  } finally {
    await app.close();
  }
  return rows;
}

interface Recovery {
  store: string;
  fillMs: number;
  snapshots: number;
  withCheckpoints: number[];
  withReplayed: number;
  fullReplay: number[];
  fullReplayed: number;
}

/**
 * Appends `events` events FILL at a time through store.append() to two streams, the same
 * batches to both (in memory they then share the events' payload and metadata objects). On the
 * first, saves a snapshot every CHECKPOINT events as StateManager does, except at the head (so
 * recovery replays the last CHECKPOINT events). Returns the state at the head.
 */
async function populate(
  store: StateStore,
  definition: StreamDefinition<Tally>,
  checkpointedId: string,
  fullId: string,
  events: number,
): Promise<{ state: Tally; snapshots: number }> {
  let state = definition.initial(checkpointedId);
  let version = 0;
  let snapshots = 0;
  while (version < events) {
    const batch = Array.from({ length: Math.min(FILL, events - version) }, pending);
    const stored = await store.append(checkpointedId, batch, version);
    await store.append(fullId, batch, version);
    for (const event of stored) state = definition.apply(state, event);
    version += batch.length;
    if (version % CHECKPOINT === 0 && version < events) {
      const json = JSON.stringify(state);
      await store.saveSnapshot({
        streamId: checkpointedId,
        version,
        state: JSON.parse(json) as unknown,
        schemaVersion: definition.options.snapshotVersion,
        checksum: stateChecksum(json),
        createdAt: new Date().toISOString(),
      });
      snapshots++;
    }
  }
  return { state, snapshots };
}

async function recovery(
  label: string,
  app: INestApplicationContext,
  fillStore: StateStore,
): Promise<Recovery> {
  const manager = app.get(StateManager);
  const withId = `replay:checkpointed-${RUN_ID}`;
  const withoutId = `replay:full-${RUN_ID}`;
  const definition = manager.definitionOf(withId) as StreamDefinition<Tally>;
  if (definition.options.snapshotEvery !== CHECKPOINT) throw new Error('snapshotEvery mismatch');
  out(`  filling ${label}: 2 streams of ${fmt(RECOVERY_EVENTS)} events, ${fmt(FILL)} per append…`);
  const began = performance.now();
  const checkpointed = await populate(fillStore, definition, withId, withoutId, RECOVERY_EVENTS);
  const fillMs = performance.now() - began;
  out(`  filled in ${secs(fillMs)} (${fmt(checkpointed.snapshots)} snapshots on the first stream)`);

  const timed = async (streamId: string, replayed: number) => {
    manager.forget(streamId);
    gc();
    const started = performance.now();
    const recovered = await manager.recover<Tally>(streamId);
    const ms = performance.now() - started;
    if (
      recovered.version !== RECOVERY_EVENTS ||
      recovered.replayed !== replayed ||
      !isDeepStrictEqual(recovered.state, checkpointed.state)
    )
      throw new Error(
        `${streamId} recovered wrong: version ${recovered.version}, replayed ${recovered.replayed}, ${JSON.stringify(recovered.state)}`,
      );
    return ms;
  };
  const withReplayed = RECOVERY_EVENTS - checkpointed.snapshots * CHECKPOINT;
  await timed(withId, withReplayed); // warm-up, untimed
  const result: Recovery = {
    store: label,
    fillMs,
    snapshots: checkpointed.snapshots,
    withCheckpoints: [],
    withReplayed,
    fullReplay: [],
    fullReplayed: RECOVERY_EVENTS,
  };
  for (let run = 0; run < Math.max(RUNS_WITH_CHECKPOINTS, RUNS_FULL_REPLAY); run++) {
    if (run < RUNS_WITH_CHECKPOINTS) result.withCheckpoints.push(await timed(withId, withReplayed));
    if (run < RUNS_FULL_REPLAY) result.fullReplay.push(await timed(withoutId, RECOVERY_EVENTS));
  }
  out(
    `  ${label}: with checkpoints ${result.withCheckpoints.map(secs).join(', ')} (median ${secs(median(result.withCheckpoints))}); full replay ${result.fullReplay.map(secs).join(', ')} (median ${secs(median(result.fullReplay))})`,
  );
  return result;
}

async function memoryRecovery(): Promise<Recovery> {
  out('Recovery, memory store…');
  const app = await boot('memory', {});
  try {
    return await recovery('memory', app, app.get(StateStores).get('memory'));
  } finally {
    await app.close();
    gc();
  }
}

async function redisRecovery(): Promise<Recovery> {
  out('Recovery, Redis store…');
  const app = await boot('redis', { REDIS_URL, REDIS_KEY_PREFIX: PREFIX });
  try {
    // Filled through the bare store on the same keys, so the 1,000-event appends are not also
    // announced on PubSub; recover() reads through the store StateManager uses.
    const redis = app.get(RedisConnections);
    const bare = new RedisStateStore(redis.get('state'), redis.key('state', ''));
    return await recovery('Redis', app, bare);
  } finally {
    await app.close();
  }
}

interface IdleMemory {
  streams: number;
  events: number;
  before: number;
  withHeads: number;
  storeOnly: number;
  cacheSize: number;
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function idleMemory(): Promise<IdleMemory> {
  out(`Heap per idle stream: ${fmt(IDLE_STREAMS)} streams of ${IDLE_EVENTS} events, memory store…`);
  const cacheSize = IDLE_STREAMS * 2;
  const app = await boot('memory', {}, cacheSize);
  try {
    const manager = app.get(StateManager);
    const store = app.get(StateStores).get('memory');
    const ids = Array.from({ length: IDLE_STREAMS }, (_, i) => `answers:idle-${i}`);
    const before = heapAfterGc();
    for (let from = 0; from < ids.length; from += IDLE_PARALLEL) {
      await Promise.all(
        ids.slice(from, from + IDLE_PARALLEL).map(async (id) => {
          for (let n = 0; n < IDLE_EVENTS; n++)
            await manager.dispatch(id, { type: 'posted', payload: { ...PAYLOAD } });
        }),
      );
    }
    // Let the per-stream dispatch chains settle before measuring.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const withHeads = heapAfterGc();
    manager.forget();
    const storeOnly = heapAfterGc();
    for (const id of [ids[0], ids[ids.length - 1]])
      if ((await store.version(id)) !== IDLE_EVENTS) throw new Error(`${id} is short`);
    const result = {
      streams: IDLE_STREAMS,
      events: IDLE_EVENTS,
      before,
      withHeads,
      storeOnly,
      cacheSize,
    };
    out(
      `  heap before ${mb(before)}; with every head cached ${mb(withHeads)} (${fmt((withHeads - before) / IDLE_STREAMS)} B/stream); store only ${mb(storeOnly)} (${fmt((storeOnly - before) / IDLE_STREAMS)} B/stream)`,
    );
    return result;
  } finally {
    await app.close();
  }
}

/** Which libs/state was measured: the last commit that changed it, and whether it was edited since. */
function measuredSource(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  try {
    const commit = git('log', '-1', '--format=%h', '--', 'libs/state');
    const edited = git('status', '--porcelain', '--', 'libs/state') !== '';
    return `libs/state as of commit ${commit}${edited ? ', plus uncommitted edits' : ' (no uncommitted edits)'}`;
  } catch {
    return 'libs/state (commit unknown: not a git checkout)';
  }
}

async function dropDatabase(): Promise<void> {
  const connection = await createConnection({ uri: SERVER_URL });
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  } finally {
    await connection.end();
  }
}

function appendTable(rows: Row[]): string {
  const lines = [
    '| store | streams in flight | path | events/s | p50 / p99 per call | % of the baseline | ≥ 70 %? | appends that failed |',
    '| --- | ---: | --- | ---: | ---: | ---: | :---: | --- |',
  ];
  for (const row of rows) {
    const baseline = row.results[row.results.length - 1];
    for (const r of row.results) {
      const isBaseline = r === baseline;
      const ratio = ratioOf(r, baseline);
      lines.push(
        `| ${row.store} | ${row.inFlight} | ${isBaseline ? `**${r.name}**` : r.name} | ${fmt(r.perSecond)} | ${dur(r.p50)} / ${dur(r.p99)} | ${isBaseline ? '100 %' : pct(ratio)} | ${isBaseline ? '–' : ratio >= GOAL_PERCENT ? 'yes' : 'no'} | ${failedCount(r) ? failures(r) : `0 of ${fmt(r.attempted)}`} |`,
      );
    }
  }
  return lines.join('\n');
}

function recoveryTable(results: Recovery[]): string {
  const lines = [
    '| store | checkpoints | events replayed | recover() median | all runs | < 1 s? |',
    '| --- | --- | ---: | ---: | --- | :---: |',
  ];
  for (const r of results) {
    const withMedian = median(r.withCheckpoints);
    const fullMedian = median(r.fullReplay);
    lines.push(
      `| ${r.store} | every ${fmt(CHECKPOINT)} events (latest at ${fmt(r.snapshots * CHECKPOINT)}) | ${fmt(r.withReplayed)} | ${secs(withMedian)} | ${r.withCheckpoints.map(secs).join(', ')} | ${withMedian < RECOVERY_GOAL_MS ? 'yes' : 'no'} |`,
      `| ${r.store} | none (full replay) | ${fmt(r.fullReplayed)} | ${secs(fullMedian)} | ${r.fullReplay.map(secs).join(', ')} | ${fullMedian < RECOVERY_GOAL_MS ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const began = performance.now();
  const source = measuredSource();
  const admin = new Redis(REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown';
  let mariaVersion: string;
  let idle: IdleMemory;
  const appends: Row[] = [];
  const recoveries: Recovery[] = [];
  try {
    // First, while the heap holds nothing else.
    idle = await idleMemory();
    appends.push(...(await memoryAppends()));
    appends.push(...(await redisAppends()));
    appends.push(...(await sqlAppends('SQLite', `sqlite:${SQLITE_FILE}`)));
    const connection = await createConnection({ uri: SERVER_URL });
    try {
      mariaVersion = ((await connection.query('SELECT VERSION() AS v'))[0] as { v: string }[])[0].v;
      await connection.query(
        `CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await connection.end();
    }
    appends.push(...(await sqlAppends('MariaDB', `${SERVER_URL}/${DATABASE}`)));
    recoveries.push(await redisRecovery());
    recoveries.push(await memoryRecovery());
  } finally {
    const deleted = await deleteKeys(admin, PREFIX);
    out(`Deleted ${fmt(deleted)} Redis keys under ${PREFIX}.`);
    await admin.quit();
    await dropDatabase();
    out(`Dropped database ${DATABASE}.`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${SQLITE_FILE}${suffix}`, { force: true });
  }
  const seconds = (performance.now() - began) / 1000;

  const goalRows = appends.flatMap((row) => {
    const baseline = row.results[row.results.length - 1];
    return row.results.slice(0, -1).map((r) => ({
      label: `${row.store}, ${row.inFlight} in flight, ${r.name}`,
      ratio: ratioOf(r, baseline),
    }));
  });
  const met = goalRows.filter((g) => g.ratio >= GOAL_PERCENT);
  const missed = goalRows.filter((g) => g.ratio < GOAL_PERCENT);
  const describe = (g: (typeof goalRows)[number]) => `${g.label} (${pct(g.ratio)})`;
  const perStream = (heap: number) => (heap - idle.before) / idle.streams;

  const markdown = `## State (@lattice/state)

\`npm run bench -- state\` · ${machine()} · ${source} · Redis ${redisVersion} at ${REDIS_URL} (keys under \`${PREFIX}\`, deleted afterwards) · ${mariaVersion} at ${SERVER_URL} (scratch database \`${DATABASE}\`, dropped afterwards) · SQLite file in ${tmpdir()} (deleted afterwards) · the run took ${seconds.toFixed(0)} s.

Lattice runs in a Nest application context (\`LatticeModule.forRoot\` + \`StateModule.forRoot({ store })\`, plus \`DatabaseModule.forRoot({ logging: false })\` for SQL), \`StateManager\` and \`StateStores\` from \`app.get()\`. The appended streams belong to one \`@StateDefinition({ name: 'answers' })\` with the default options (a snapshot every 100 events, written by \`dispatch()\` in the background) and one \`@Apply('posted', zod schema)\` reducer keeping a three-field tally. Every event carries the same ${PAYLOAD_BYTES}-byte payload; the whole event (id, type, payload, metadata) is ${EVENT_BYTES} bytes of JSON.

### Appends per second against a raw baseline

Paths: \`StateManager.dispatch(streamId, { type, payload })\` (blind append: validation, a per-stream queue, the store's append, the reducer, a snapshot every 100 events), and the store's \`append(streamId, [event], expectedVersion)\` directly (the bench tracks each stream's version; each call builds a fresh event as \`dispatch()\` would, on the baselines too). Baselines, same run, same event:

- **memory**: a plain in-process log: an \`async\` function over a \`Map\` of arrays that checks the expected version, then pushes \`{ ...event, streamId, version, position }\` into the stream's array and one global array — what \`MemoryStateStore\` does minus deep-freezing the event and calling append listeners.
- **Redis**: \`XADD <key> * e <event JSON>\` from ioredis on its own connection (opened as core opens its connections). Lattice's append is one Lua script (\`XLEN\` check, \`INCRBY\` of the global position, one \`XADD\` to the stream and one to the global index per event). With REDIS_URL, \`StateStores\` wraps the Redis store in \`DistributedStateStore\`, which also PUBLISHes every append for other nodes; the bare \`RedisStateStore\` on the same connection is measured too.
- **SQL**: a single-row \`INSERT INTO … VALUES (?, ?, ?, ?, ?, ?)\` of the same six columns through the same TypeORM \`DataSource.query()\` (better-sqlite3 in WAL mode; mysql2 pool of 10 on MariaDB) into a table of the same schema as \`lattice_state_events\` (auto-increment position, unique (stream_id, version)). Lattice's append is one \`INSERT … SELECT … WHERE (SELECT COALESCE(MAX(version), 0) … WHERE stream_id = ?) = ?\` on a query runner of its own.

"Streams in flight": each timed call appends one event to each of 1 or 32 streams at once (\`Promise.all\`; events/s = streams × calls/s; p50 / p99 per call); every side has streams of its own. Redis and SQL: each case warms the sides up for ${WARMUP_MS} ms, then alternates them (\`interleave()\` in bench/support.ts) in slices of ${SLICE_MS} ms until each has ${(BUDGET_MS / 1000).toFixed(1)} s of timed calls. Memory: appends pile up in the heap, so ${MEMORY_ROUNDS} rounds of ${MEMORY_ROUND_MS} ms per side, interleaved in slices of 100 ms, every log emptied and the heap collected between rounds; the figures are the medians of the rounds. An append that throws does not stop the run: it is counted by its error code (last column, warm-up included) and events/s counts only the appends that succeeded (the time of a call with a failure still counts).

${appendTable(appends)}

Goal (Lattice ≥ ${GOAL_PERCENT} % of the raw baseline's events/s): met in ${met.length} of ${goalRows.length} rows${met.length ? ` — ${met.map(describe).join('; ')}` : ''}.${missed.length ? ` Not met: ${missed.map(describe).join('; ')}.` : ''}

${appends
  .filter((row) => row.deadlocks !== undefined)
  .map(
    (row) =>
      `InnoDB deadlocks (\`Innodb_deadlocks\` status counter) during the MariaDB case with ${row.inFlight} stream${row.inFlight === 1 ? '' : 's'} in flight: ${fmt(row.deadlocks!)}.`,
  )
  .join(
    ' ',
  )} The SQL store runs its INSERT again (up to 5 attempts) on \`ER_LOCK_DEADLOCK\` and \`ER_AUTOINC_READ_FAILED\`; an append still failing after that reaches the caller and is counted in the last column.

### Recovery of a ${fmt(RECOVERY_EVENTS)}-event stream

\`StateManager.recover(streamId)\` (latest usable snapshot, checksum checked, then the events after it read in pages of 5,000 and applied), timed from the call to its result, after \`forget()\` and a GC. Two streams of ${fmt(RECOVERY_EVENTS)} events each of a definition with \`snapshotEvery: ${CHECKPOINT}\`, filled through the store's \`append(streamId, events, expectedVersion)\` ${fmt(FILL)} events at a time (on Redis through the bare \`RedisStateStore\` on the same keys, so the fill is not announced on PubSub), the same batches to both streams; on the first, a snapshot saved with \`saveSnapshot()\` every ${fmt(CHECKPOINT)} events as \`StateManager\` writes them (state JSON, \`stateChecksum\`), except at the head, so recovery replays the last ${fmt(CHECKPOINT)} events (the most a stream checkpointed every ${fmt(CHECKPOINT)} events can have after its last snapshot is ${fmt(CHECKPOINT - 1)}); the second has no snapshot and is replayed from its first event. Each recovery is checked: version ${fmt(RECOVERY_EVENTS)}, the expected number of events replayed, the same state as the fill computed. One untimed warm-up recovery with checkpoints, then ${RUNS_WITH_CHECKPOINTS} with and ${RUNS_FULL_REPLAY} without, alternating. Filling took ${recoveries.map((r) => `${secs(r.fillMs)} on ${r.store}`).join(' and ')} (both streams).

${recoveryTable(recoveries)}

### Heap per idle stream (memory store)

${fmt(idle.streams)} streams, ${idle.events} events each, appended with \`dispatch()\` (${IDLE_PARALLEL} streams at a time) into a memory store whose manager was booted with \`cacheSize: ${fmt(idle.cacheSize)}\`, so every stream's head (its latest state and version) stays cached. \`heapUsed\` after three forced GCs: before the streams, after them (heads cached), and after \`StateManager.forget()\` (heads dropped; the store's events, its per-stream arrays and its global event list remain). With the default \`cacheSize\` of 10,000, at most 10,000 heads stay cached, so the "store only" figure is the per-stream cost beyond the 10,000 most recently used streams.

| measured | heap used | per stream | per event |
| --- | ---: | ---: | ---: |
| before the streams | ${mb(idle.before)} | – | – |
| store + manager's cached head | ${mb(idle.withHeads)} | ${fmt(perStream(idle.withHeads))} B | ${fmt(perStream(idle.withHeads) / idle.events)} B |
| store only (heads forgotten) | ${mb(idle.storeOnly)} | ${fmt(perStream(idle.storeOnly))} B | ${fmt(perStream(idle.storeOnly) / idle.events)} B |

On this 2-core machine, with Redis and MariaDB on the same cores, figures move between runs: compare rows of one run only, not across runs.`;
  writeSection('state', markdown);
  out(markdown);
  out(`Finished in ${seconds.toFixed(1)} s.`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
