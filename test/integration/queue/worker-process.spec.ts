import { LatticeModule, RedisConnections } from '@lattice/core';
import { QueueManager, QueueModule } from '@lattice/queue';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { Tracked } from './fixtures/durable-jobs';

const WORKER = 'test/integration/queue/fixtures/worker-node.ts';

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

  async function startWorker(name: string, more: Record<string, string> = {}): Promise<TsProcess> {
    const worker = new TsProcess(WORKER, { ...env, WORKER_NAME: name, CONCURRENCY: '4', ...more });
    workers.push(worker);
    await worker.waitFor(/worker ready/, PROCESS_START_MS);
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

  it(
    'kill -9 in the middle of jobs: every job completes on another worker, none is lost',
    async () => {
      const ids: string[] = [];
      // Every fifth job never finishes on "doomed": once it has taken four of them it is stuck
      // mid-job, so it is surely running jobs when it is killed, however slow the machine.
      for (let i = 0; i < 40; i++) {
        const payload = { ms: 150, holdOn: i % 5 === 4 ? 'doomed' : undefined };
        ids.push((await queues.dispatch(Tracked, payload)).id);
      }

      const doomed = await startWorker('doomed');
      // Kill it while it holds jobs: some finished, some running.
      await waitFor(
        async () => {
          const started = (await runs(ids)).filter((n) => n > 0).length;
          const finished = Object.keys(await done()).length;
          return started >= 10 && started > finished;
        },
        { what: 'the first worker to get going' },
      );
      await doomed.stop('SIGKILL');
      const finishedByDoomed = Object.keys(await done());

      await startWorker('survivor');
      let finishedCount = 0;
      await waitFor(async () => (finishedCount = Object.keys(await done()).length) === ids.length, {
        what: () => `all ${ids.length} jobs to finish (${finishedCount} did)`,
        timeoutMs: 60_000,
      });

      const finishedBy = await done();
      const counts = await runs(ids);
      expect(Object.keys(finishedBy).sort()).toEqual([...ids].sort());
      for (const id of ids) expect((await queues.job('durable', id))?.state).toBe('completed');
      // Jobs the killed worker was running were run again by the survivor: at least once each.
      const rerun = ids.filter((_, i) => counts[i] > 1);
      expect(rerun.length).toBeGreaterThan(0);
      for (const id of rerun) expect(finishedBy[id]).toBe('survivor');
      // Nothing finished twice by accident, nothing finished by the dead worker after its death.
      expect(ids.filter((id) => finishedBy[id] === 'doomed').sort()).toEqual(
        finishedByDoomed.sort(),
      );
      expect(counts.every((n) => n >= 1)).toBe(true);
    },
    PROCESS_TEST_MS,
  );

  it(
    'SIGTERM lets a worker process finish its running jobs before it exits',
    async () => {
      // Default (30 s) locks: no lock may lapse on a loaded machine and have a job run twice.
      const worker = await startWorker('graceful', { LOCK_MS: '30000' });
      const ids: string[] = [];
      // Four jobs fill the four slots and hold until released, so they are running at SIGTERM.
      for (let i = 0; i < 4; i++)
        ids.push((await queues.dispatch(Tracked, { ms: 10, hold: true })).id);
      await waitFor(async () => (await runs(ids)).every((n) => n > 0), {
        what: 'the jobs to start',
      });
      // Queued while every slot is busy; nothing may take it once the worker is stopping.
      const later = await queues.dispatch(Tracked, { ms: 10 });
      worker.child.kill('SIGTERM');
      await worker.waitFor(/^stopping$/m);
      await redis.get().set(redis.key('release'), '1');
      const exit = await worker.exited;
      expect(exit.code).toBe(0);
      const finishedBy = await done();
      for (const id of ids) expect(finishedBy[id]).toBe('graceful');
      expect(await runs(ids)).toEqual([1, 1, 1, 1]);
      expect(finishedBy[later.id]).toBeUndefined();
      expect((await queues.job('durable', later.id))?.state).toBe('waiting');
    },
    PROCESS_TEST_MS,
  );
});
