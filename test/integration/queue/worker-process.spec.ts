import { LatticeModule, RedisConnections } from '@lattice/core';
import { QueueManager, QueueModule } from '@lattice/queue';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { Tracked } from './fixtures/durable-jobs';

const WORKER = 'test/integration/queue/fixtures/worker-node.ts';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWith(['redis'], 'queue workers in their own processes (BullMQ)', () => {
  let app: INestApplicationContext;
  let queues: QueueManager;
  let redis: RedisConnections;
  let env: Record<string, string>;
  const workers: TsProcess[] = [];

  beforeEach(async () => {
    env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('workers'),
      LOG_LEVEL: 'error',
    };
    // The dispatching side runs no workers, like an API process next to `lattice queue:work`.
    @Module({
      imports: [
        LatticeModule.forRoot({ env, envFile: false, bootReport: false }),
        QueueModule.forRoot({ worker: false }),
      ],
      providers: [Tracked],
    })
    class DispatcherModule {}
    app = await NestFactory.createApplicationContext(DispatcherModule, { logger: false });
    queues = app.get(QueueManager);
    redis = app.get(RedisConnections);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
    await app?.close();
  });

  async function startWorker(name: string): Promise<TsProcess> {
    const worker = new TsProcess(WORKER, { ...env, WORKER_NAME: name, CONCURRENCY: '4' });
    workers.push(worker);
    await worker.waitFor(/worker ready/, 20_000);
    return worker;
  }

  async function runs(ids: string[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const values = await redis.get().mget(ids.map((id) => redis.key('runs', id)));
    return values.map((v) => Number(v ?? 0));
  }

  async function done(): Promise<Record<string, string>> {
    return redis.get().hgetall(redis.key('done'));
  }

  it('kill -9 in the middle of jobs: every job completes on another worker, none is lost', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await queues.dispatch(Tracked, { ms: 150 })).id);

    const doomed = await startWorker('doomed');
    // Kill it while it holds jobs: some finished, some running.
    for (let deadline = Date.now() + 15_000; ; await sleep(20)) {
      const started = (await runs(ids)).filter((n) => n > 0).length;
      const finished = Object.keys(await done()).length;
      if (started >= 10 && started > finished) break;
      if (Date.now() > deadline) throw new Error('the first worker never got going');
    }
    await doomed.stop('SIGKILL');
    const finishedByDoomed = Object.keys(await done());

    await startWorker('survivor');
    for (
      let deadline = Date.now() + 30_000;
      Object.keys(await done()).length < ids.length;
      await sleep(50)
    ) {
      if (Date.now() > deadline) {
        throw new Error(`only ${Object.keys(await done()).length} of ${ids.length} jobs finished`);
      }
    }

    const finishedBy = await done();
    const counts = await runs(ids);
    expect(Object.keys(finishedBy).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await queues.job('durable', id))?.state).toBe('completed');
    // Jobs the killed worker was running were run again by the survivor: at least once each.
    const rerun = ids.filter((_, i) => counts[i] > 1);
    expect(rerun.length).toBeGreaterThan(0);
    for (const id of rerun) expect(finishedBy[id]).toBe('survivor');
    // Nothing finished twice by accident, nothing finished by the dead worker after its death.
    expect(ids.filter((id) => finishedBy[id] === 'doomed').sort()).toEqual(finishedByDoomed.sort());
    expect(counts.every((n) => n >= 1)).toBe(true);
  }, 90_000);

  it('SIGTERM lets a worker process finish its running jobs before it exits', async () => {
    const worker = await startWorker('graceful');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await queues.dispatch(Tracked, { ms: 800 })).id);
    const later = await queues.dispatch(Tracked, { ms: 10 }).delay(1500);
    for (
      let deadline = Date.now() + 10_000;
      (await runs(ids)).some((n) => n === 0);
      await sleep(20)
    ) {
      if (Date.now() > deadline) throw new Error('jobs did not start');
    }
    const exit = await worker.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const finishedBy = await done();
    for (const id of ids) expect(finishedBy[id]).toBe('graceful');
    expect(await runs(ids)).toEqual([1, 1, 1, 1]);
    await sleep(1700);
    expect(finishedBy[later.id]).toBeUndefined();
    expect(['waiting', 'delayed']).toContain((await queues.job('durable', later.id))?.state);
  }, 60_000);
});
