// Queue throughput: Lattice's QueueManager against BullMQ used raw, and the in-process driver.
//   BullMQ: QueueManager.dispatch() vs Queue.add() (jobs added per second, one at a time and
//   100 at once), and startWorkers() vs a raw Worker (jobs processed per second).
//   In process: the memory driver's figures for the same measurements (no baseline).
// Run: npm run bench -- queue   (needs Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379;
// deletes every key under its own lattice:bench:queue:<random>: prefix when it is done)
import 'reflect-metadata';
import { LatticeModule } from '@lattice/core';
import { BullMqQueueDriver, Job, QueueJob, QueueManager, QueueModule } from '@lattice/queue';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker, type JobsOptions } from 'bullmq';
import Redis, { type RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { deleteKeys, interleave, machine, median, Result, Side, writeSection } from './support';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `lattice:bench:queue:${randomBytes(3).toString('hex')}:`;
/** The BullMQ prefix QueueModule derives from REDIS_KEY_PREFIX (`redis.key('bull')`); raw uses it too. */
const BULL_PREFIX = `${PREFIX}bull`;
/** Timed work per side and add case, after the warm-up. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 3_000);
const WARMUP_MS = 500;
/** The sides of an add case alternate in slices of about this long. */
const SLICE_MS = 250;
/** Adds in flight at once in the batch case, and per batch when filling a queue. */
const BATCH = 100;
/** Jobs pre-filled per processing round on BullMQ, and on the in-process driver. */
const JOBS = Number(process.env.BENCH_JOBS ?? 30_000);
const MEMORY_JOBS = Number(process.env.BENCH_MEMORY_JOBS ?? 200_000);
/** Jobs per side of the untimed warm-up round. */
const WARMUP_JOBS = 5_000;
const CONCURRENCY = 10;
/** Timed processing rounds per side; in process, also the number of add rounds. */
const ROUNDS = 5;
/** In process, adds pile up in memory: each round gets this budget, then the queue is cleared. */
const MEMORY_ROUND_MS = 400;
const GOAL_PERCENT = 90;

/** Lattice's queue names come from its job classes; raw BullMQ gets its own, same prefix. */
const LATTICE_ADD = 'lattice-add';
const LATTICE_WORK = 'lattice-work';
const RAW_ADD = 'raw-add';
const RAW_WORK = 'raw-work';

/** What QueueModule's BullMQ driver sends with every job by default (keepCompleted 1000, keepFailed 5000). */
const JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};
/** How core's RedisConnections opens QueueModule's worker connection ('queue-workers'); its command connection differs only in maxRetriesPerRequest: 2. */
const CONNECTION_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: null,
  retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 5000),
};
/** QueueModule's defaults for lockDuration and stalledInterval, given to the raw worker too. */
const LOCK_MS = 30_000;

const payload = {
  questionId: 4812,
  answerId: 90211,
  userId: 7,
  event: 'answer.posted',
  title: 'How do I cache a query by tag?',
};
type Payload = typeof payload;
const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(payload));
const BULLMQ_VERSION = (
  JSON.parse(readFileSync(require.resolve('bullmq/package.json'), 'utf8')) as { version: string }
).version;

@QueueJob({ queue: LATTICE_ADD })
class NotifyAdded extends Job<Payload, null> {
  handle(): null {
    return null;
  }
}

@QueueJob({ queue: LATTICE_WORK })
class NotifyWork extends Job<Payload, null> {
  handle(): null {
    return null;
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const dur = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const pct = (n: number) => `${n.toFixed(1)} %`;

async function boot(env: Record<string, string>): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env, envFile: false, bootReport: false }),
      QueueModule.forRoot({ worker: false }),
    ],
    providers: [NotifyAdded, NotifyWork],
  })
  class BenchModule {}
  return NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
}

/** `count` adds at once, as one call. */
const batchOf = (count: number, add: () => PromiseLike<unknown>) => () =>
  Promise.all(Array.from({ length: count }, add));

/** Fills a queue with `count` jobs, BATCH at a time (untimed). */
async function fill(count: number, add: () => PromiseLike<unknown>): Promise<void> {
  for (let from = 0; from < count; from += BATCH)
    await batchOf(Math.min(BATCH, count - from), add)();
}

/** Ops/s of a batch side are batches/s; in jobs/s they are BATCH times that. */
const perJob = (r: Result, jobsPerCall: number): Result => ({
  ...r,
  perSecond: r.perSecond * jobsPerCall,
});

/** A promise that resolves once `count` jobs completed; `fail` rejects it. */
function completion(count: number) {
  let done = 0;
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const all = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {
    all,
    completed: () => {
      if (++done === count) resolve();
    },
    fail: reject,
  };
}

interface Processing {
  name: string;
  fill(count: number): Promise<void>;
  /** Starts the workers, waits until `count` jobs completed, stops them; returns the time taken. */
  process(count: number): Promise<number>;
  /** Jobs left waiting, active, delayed or failed (should be 0 after a round). */
  leftOver(): Promise<number>;
}

interface Rounds {
  name: string;
  rates: number[];
  seconds: number[];
}

/** One untimed warm-up round each, then `ROUNDS` timed rounds, the sides taking turns to go first. */
async function processRounds(sides: Processing[], jobs: number): Promise<Rounds[]> {
  const results = sides.map((s) => ({
    name: s.name,
    rates: [] as number[],
    seconds: [] as number[],
  }));
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 === 0 ? sides.map((_, i) => i) : sides.map((_, i) => i).reverse();
    for (const i of order) {
      const side = sides[i];
      const count = round === 0 ? Math.min(WARMUP_JOBS, jobs) : jobs;
      await side.fill(count);
      const ms = await side.process(count);
      const left = await side.leftOver();
      if (left !== 0) throw new Error(`${side.name} left ${left} jobs unfinished`);
      if (round === 0) continue;
      results[i].rates.push(count / (ms / 1000));
      results[i].seconds.push(ms / 1000);
      out(
        `  round ${round}: ${side.name} ${fmt(count / (ms / 1000))} jobs/s (${fmt(count)} in ${(ms / 1000).toFixed(2)} s)`,
      );
    }
  }
  return results;
}

function latticeProcessing(queues: QueueManager, jobs: () => Promise<number>): Processing {
  return {
    name: 'Lattice',
    fill: (count) => fill(count, () => queues.dispatch(NotifyWork, payload)),
    process: async (count) => {
      const wait = completion(count);
      const offDone = queues.on('completed', (e) => {
        if (e.queue === LATTICE_WORK) wait.completed();
      });
      const offFail = queues.on('failed', (e) => wait.fail(e.error));
      const started = performance.now();
      await queues.startWorkers({ queues: [LATTICE_WORK], concurrency: CONCURRENCY });
      await wait.all;
      const ms = performance.now() - started;
      offDone();
      offFail();
      await queues.stopWorkers();
      return ms;
    },
    leftOver: jobs,
  };
}

interface Row {
  operation: string;
  lattice: Result;
  baseline: Result;
}

const ratio = (r: Row) => (r.lattice.perSecond / r.baseline.perSecond) * 100;

interface RedisFigures {
  adds: Row[];
  processing: Rounds[];
  storedOptions: string;
}

async function bullmq(admin: Redis): Promise<RedisFigures> {
  out(`BullMQ driver (prefix ${BULL_PREFIX})…`);
  const app = await boot({ REDIS_URL, REDIS_KEY_PREFIX: PREFIX });
  const connection = new Redis(REDIS_URL, { ...CONNECTION_OPTIONS, connectionName: 'bench:raw' });
  const rawAdd = new Queue(RAW_ADD, { connection, prefix: BULL_PREFIX });
  const rawWork = new Queue(RAW_WORK, { connection, prefix: BULL_PREFIX });
  try {
    const queues = app.get(QueueManager);
    if (queues.driverKind !== 'bullmq') throw new Error('the queue driver should be BullMQ here');
    const driver = queues.driver as BullMqQueueDriver;
    const latticeAdd = driver.queue(LATTICE_ADD);

    // The same job, stored both ways: the options must match, or the comparison is not fair.
    const { id } = await queues.dispatch(NotifyAdded, payload);
    const raw = await rawAdd.add(NotifyAdded.name, payload, JOB_OPTIONS);
    const [ours, theirs] = await Promise.all([latticeAdd.getJob(id), rawAdd.getJob(raw.id!)]);
    if (!ours || !theirs) throw new Error('a job added for the comparison is missing');
    if (!isDeepStrictEqual(ours.opts, theirs.opts) || !isDeepStrictEqual(ours.data, theirs.data))
      throw new Error(
        `Lattice stores ${JSON.stringify(ours.opts)}, raw ${JSON.stringify(theirs.opts)}`,
      );
    if (!(await admin.exists(`${BULL_PREFIX}:${LATTICE_ADD}:${id}`)))
      throw new Error(`Lattice did not write ${BULL_PREFIX}:${LATTICE_ADD}:${id}`);
    const storedOptions = JSON.stringify(ours.opts);

    const adds: Row[] = [];
    const [lOne, rOne] = await interleave(
      [
        {
          name: 'Lattice dispatch',
          run: async () => {
            await queues.dispatch(NotifyAdded, payload);
          },
        },
        {
          name: 'raw Queue.add',
          run: async () => {
            await rawAdd.add(NotifyAdded.name, payload, JOB_OPTIONS);
          },
        },
      ],
      { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, sliceMs: SLICE_MS },
    );
    adds.push({ operation: 'one at a time', lattice: lOne, baseline: rOne });
    printRow(adds[0]);
    await Promise.all([latticeAdd.drain(true), rawAdd.drain(true)]);
    const [lBatch, rBatch] = await interleave(
      [
        {
          name: 'Lattice dispatch',
          run: batchOf(BATCH, () => queues.dispatch(NotifyAdded, payload)),
        },
        {
          name: 'raw Queue.add',
          run: batchOf(BATCH, () => rawAdd.add(NotifyAdded.name, payload, JOB_OPTIONS)),
        },
      ] satisfies Side[],
      { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, sliceMs: SLICE_MS },
    );
    adds.push({
      operation: `${BATCH} at once`,
      lattice: perJob(lBatch, BATCH),
      baseline: perJob(rBatch, BATCH),
    });
    printRow(adds[1]);
    await Promise.all([latticeAdd.drain(true), rawAdd.drain(true)]);

    const states = ['wait', 'active', 'delayed', 'prioritized', 'failed'] as const;
    const unfinished = (counts: Record<string, number>) =>
      states.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
    const rawProcessing: Processing = {
      name: 'raw BullMQ Worker',
      fill: (count) => fill(count, () => rawWork.add(NotifyWork.name, payload, JOB_OPTIONS)),
      process: async (count) => {
        const wait = completion(count);
        const started = performance.now();
        const worker = new Worker(RAW_WORK, async () => null, {
          connection,
          prefix: BULL_PREFIX,
          concurrency: CONCURRENCY,
          lockDuration: LOCK_MS,
          stalledInterval: LOCK_MS,
        });
        worker.on('error', wait.fail);
        worker.on('failed', (_job, error) => wait.fail(error));
        worker.on('completed', wait.completed);
        try {
          await wait.all;
          return performance.now() - started;
        } finally {
          await worker.close();
        }
      },
      leftOver: async () => unfinished(await rawWork.getJobCounts(...states)),
    };
    const lattice = latticeProcessing(queues, async () =>
      unfinished(await driver.queue(LATTICE_WORK).getJobCounts(...states)),
    );
    out(`  processing: ${fmt(JOBS)} jobs per round, concurrency ${CONCURRENCY}`);
    const processing = await processRounds([lattice, rawProcessing], JOBS);
    return { adds, processing, storedOptions };
  } finally {
    await Promise.all([rawAdd.close(), rawWork.close()]);
    await connection.quit();
    await app.close();
  }
}

function printRow(r: Row): void {
  out(
    `  add ${r.operation}: Lattice ${fmt(r.lattice.perSecond)} jobs/s p50 ${dur(r.lattice.p50)} p99 ${dur(r.lattice.p99)} · raw ${fmt(r.baseline.perSecond)} jobs/s p50 ${dur(r.baseline.p50)} p99 ${dur(r.baseline.p99)} · ${pct(ratio(r))}`,
  );
}

interface MemoryFigures {
  one: Result;
  batch: Result;
  addRounds: number;
  processing: Rounds;
}

/** Median of each figure over the rounds (the p99 is the median of the rounds' p99s). */
function medianResult(results: Result[]): Result {
  return {
    name: results[0].name,
    perSecond: median(results.map((r) => r.perSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    samples: results.reduce((sum, r) => sum + r.samples, 0),
  };
}

async function memory(): Promise<MemoryFigures> {
  out('In-process driver…');
  const app = await boot({});
  try {
    const queues = app.get(QueueManager);
    if (queues.driverKind !== 'memory')
      throw new Error('the queue driver should be in memory here');
    const ones: Result[] = [];
    const batches: Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [one, batch] = await interleave(
        [
          {
            name: 'dispatch',
            run: async () => {
              await queues.dispatch(NotifyAdded, payload);
            },
          },
          {
            name: 'dispatch × 100',
            run: batchOf(BATCH, () => queues.dispatch(NotifyAdded, payload)),
          },
        ],
        { budgetMs: MEMORY_ROUND_MS, warmupMs: round === 0 ? WARMUP_MS : 50, sliceMs: 100 },
      );
      ones.push(one);
      batches.push(perJob(batch, BATCH));
      await queues.clear(LATTICE_ADD, 'pending');
    }
    const one = medianResult(ones);
    const batch = medianResult(batches);
    out(
      `  add one at a time: ${fmt(one.perSecond)} jobs/s p50 ${dur(one.p50)} p99 ${dur(one.p99)}`,
    );
    out(
      `  add ${BATCH} at once: ${fmt(batch.perSecond)} jobs/s p50 ${dur(batch.p50)} p99 ${dur(batch.p99)}`,
    );
    out(`  processing: ${fmt(MEMORY_JOBS)} jobs per round, concurrency ${CONCURRENCY}`);
    const [processing] = await processRounds(
      [
        latticeProcessing(queues, async () => {
          const c = await queues.counts(LATTICE_WORK);
          return c.waiting + c.active + c.delayed + c.prioritized + c.failed;
        }),
      ],
      MEMORY_JOBS,
    );
    return { one, batch, addRounds: ROUNDS, processing };
  } finally {
    await app.close();
  }
}

function addTable(rows: Row[]): string {
  return [
    '| adds | Lattice jobs/s | Lattice p50 / p99 per call | raw BullMQ jobs/s | raw p50 / p99 per call | Lattice ÷ raw | ≥ 90 %? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | :---: |',
    ...rows.map(
      (r) =>
        `| ${r.operation} | ${fmt(r.lattice.perSecond)} | ${dur(r.lattice.p50)} / ${dur(r.lattice.p99)} | ${fmt(r.baseline.perSecond)} | ${dur(r.baseline.p50)} / ${dur(r.baseline.p99)} | ${pct(ratio(r))} | ${ratio(r) >= GOAL_PERCENT ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}

function processingTable(rounds: Rounds[], jobs: number): string {
  return [
    `| workers (concurrency ${CONCURRENCY}) | jobs/s, round by round | median jobs/s | median time for ${fmt(jobs)} jobs |`,
    '| --- | --- | ---: | ---: |',
    ...rounds.map(
      (r) =>
        `| ${r.name} | ${r.rates.map(fmt).join(', ')} | ${fmt(median(r.rates))} | ${median(r.seconds).toFixed(2)} s |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const began = performance.now();
  const admin = new Redis(REDIS_URL);
  const info = await admin.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  let redis: RedisFigures;
  let mem: MemoryFigures;
  try {
    redis = await bullmq(admin);
    mem = await memory();
  } finally {
    const deleted = await deleteKeys(admin, PREFIX);
    out(`Deleted ${fmt(deleted)} Redis keys under ${PREFIX}.`);
    await admin.quit();
  }
  const seconds = (performance.now() - began) / 1000;

  const [lattice, raw] = redis.processing;
  const processed: Row = {
    operation: 'processed',
    lattice: { name: lattice.name, perSecond: median(lattice.rates), p50: 0, p99: 0, samples: 0 },
    baseline: { name: raw.name, perSecond: median(raw.rates), p50: 0, p99: 0, samples: 0 },
  };
  const goalRows = [
    ...redis.adds.map((r) => ({ label: `add ${r.operation}`, row: r })),
    { label: 'processing', row: processed },
  ];
  const met = goalRows.filter((g) => ratio(g.row) >= GOAL_PERCENT);
  const missed = goalRows.filter((g) => ratio(g.row) < GOAL_PERCENT);
  const close = goalRows.filter((g) => Math.abs(ratio(g.row) - GOAL_PERCENT) < 5);
  const describe = (g: (typeof goalRows)[number]) => `${g.label} (${pct(ratio(g.row))})`;
  const verdict = [
    `Goal (Lattice ≥ ${GOAL_PERCENT} % of raw BullMQ's jobs/s): met in ${met.length} of ${goalRows.length} rows${met.length ? ` — ${met.map(describe).join('; ')}` : ''}.${missed.length ? ` Not met: ${missed.map(describe).join('; ')}.` : ''}`,
    close.length
      ? ` Within 5 points of the goal, so close to this machine's run-to-run noise: ${close.map(describe).join('; ')}.`
      : '',
  ].join('');

  const markdown = `## Queue (@lattice/queue)

\`npm run bench -- queue\` · ${machine()} · Redis ${redisVersion} at ${REDIS_URL} (keys under \`${PREFIX}\`, deleted afterwards) · the run took ${seconds.toFixed(0)} s.

Lattice runs in a Nest application context (\`LatticeModule.forRoot\` + \`QueueModule.forRoot({ worker: false })\`, two trivial \`@QueueJob\` classes whose \`handle()\` returns \`null\`), \`QueueManager\` from \`app.get()\`. The baseline is BullMQ ${BULLMQ_VERSION} used raw: its own ioredis connection opened as core opens the queue's worker connection (\`maxRetriesPerRequest: null\`, the same retry strategy; Lattice's command connection differs only in \`maxRetriesPerRequest: 2\`), the same prefix (\`${BULL_PREFIX}\`), queues of their own, and the job options Lattice stores by default (checked equal on a stored job: \`${redis.storedOptions}\`). Every job carries the same ${PAYLOAD_BYTES}-byte JSON payload.

Jobs added per second, BullMQ driver: \`await queues.dispatch(Job, payload)\` against \`await queue.add(name, payload, opts)\`, one call in flight, or ${BATCH} at once (\`Promise.all\`; jobs/s = ${BATCH} × batches/s, p50 / p99 per batch). Each case warms both sides up for ${WARMUP_MS} ms, then alternates them in slices of ${SLICE_MS} ms until each has ${(BUDGET_MS / 1000).toFixed(1)} s of timed calls; no worker runs, and the queues are drained after each case.

${addTable(redis.adds)}

Jobs processed per second, BullMQ driver: ${fmt(JOBS)} jobs are added first (untimed), then the clock runs from starting the workers — \`queues.startWorkers({ queues: ['${LATTICE_WORK}'], concurrency: ${CONCURRENCY} })\` against \`new Worker(queue, async () => null, { concurrency: ${CONCURRENCY}, lockDuration, stalledInterval })\` on the same kind of connection — until the last job's \`completed\` event (Lattice: \`queues.on('completed')\`, raw: \`worker.on('completed')\`); then the workers stop and the queue is checked empty. One untimed warm-up round of ${fmt(Math.min(WARMUP_JOBS, JOBS))} jobs per side (in process too), then ${ROUNDS} timed rounds per side, Lattice and raw taking turns to go first.

${processingTable(redis.processing, JOBS)}

Processing: Lattice ÷ raw (medians) = ${pct(ratio(processed))} (${ratio(processed) >= GOAL_PERCENT ? 'meets' : 'misses'} the ${GOAL_PERCENT} % goal).

What Lattice adds to each dispatch: a \`JSON.stringify\` of the payload to check it has a JSON form, the job's \`@QueueJob\` metadata lookup, and two more async steps (\`PendingDispatch.then\` → \`QueueManager.send\` → the driver's \`add\`). To each processed job: the lookup of the job class by name, a context object (its \`AbortSignal\` is only created if the job reads it or has a timeout: an \`AbortController\` per job cost about 15 % of throughput when this benchmark first ran), \`handle()\` one microtask later, and the worker's events forwarded to \`QueueManager\` listeners.

${verdict}

In process (no REDIS_URL → the memory driver), Lattice only: there is no raw baseline for it, so these figures say what the driver costs without Redis, not how it compares. Adds pile up in memory, so they are measured in ${mem.addRounds} rounds of ${MEMORY_ROUND_MS} ms per side (one at a time and ${BATCH} at once, interleaved in slices of 100 ms after a warm-up), the queue cleared between rounds; the figures are the medians of the rounds. Processing is timed as on BullMQ, with ${fmt(MEMORY_JOBS)} jobs per round, more than on BullMQ so that a round lasts long enough to time.

| in process | jobs/s | p50 / p99 per call | rounds |
| --- | ---: | ---: | --- |
| add one at a time | ${fmt(mem.one.perSecond)} | ${dur(mem.one.p50)} / ${dur(mem.one.p99)} | ${mem.addRounds} × ${MEMORY_ROUND_MS} ms |
| add ${BATCH} at once | ${fmt(mem.batch.perSecond)} | ${dur(mem.batch.p50)} / ${dur(mem.batch.p99)} (per batch) | ${mem.addRounds} × ${MEMORY_ROUND_MS} ms |
| processed (concurrency ${CONCURRENCY}) | ${fmt(median(mem.processing.rates))} | – | ${mem.processing.rates.map(fmt).join(', ')} jobs/s (${fmt(MEMORY_JOBS)} jobs each) |

On this 2-core machine, with Redis on the same cores, figures move between runs: compare rows of one run only, not across runs.`;
  writeSection('queue', markdown);
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
