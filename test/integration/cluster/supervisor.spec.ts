import { LatticeModule, RedisConnections } from '@lattice/core';
import { QueueManager, QueueModule } from '@lattice/queue';
import type { QueueStatus } from '@lattice/cluster/supervisor';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { SlowJob } from './fixtures/supervised-jobs';

// The small app's `lattice` entry: the supervisor runs its workers with this same entry.
const APP = 'test/integration/cluster/fixtures/supervised-app.ts';
const JOBS = 60;
const MAX = 3;

interface Line {
  type: string;
  [key: string]: unknown;
}

describeWith(['redis'], 'lattice queue:supervise (BullMQ, real worker processes)', () => {
  let app: INestApplicationContext;
  let queues: QueueManager;
  let redis: RedisConnections;
  let env: Record<string, string>;
  let supervisor: TsProcess | undefined;
  const pids = new Set<number>();

  beforeAll(async () => {
    env = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('supervisor'),
      LOG_LEVEL: 'error',
    };
    // The dispatching side, like a web process next to the supervisor.
    @Module({
      imports: [
        LatticeModule.forRoot({ env, envFile: false, bootReport: false }),
        QueueModule.forRoot({ worker: false }),
      ],
      providers: [SlowJob],
    })
    class DispatcherModule {}
    app = await NestFactory.createApplicationContext(DispatcherModule, { logger: false });
    queues = app.get(QueueManager);
    redis = app.get(RedisConnections);
  });

  afterAll(async () => {
    await supervisor?.stop('SIGKILL');
    // Workers outlive a supervisor killed with SIGKILL: end every one it reported.
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await app?.close();
  });

  /** Every JSON line the supervisor printed so far. */
  function lines(): Line[] {
    return supervisor!.output.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
  }

  function latest(): QueueStatus | undefined {
    const status = lines()
      .filter((l) => l.type === 'status')
      .at(-1);
    const queue = (status?.queues as QueueStatus[] | undefined)?.[0];
    for (const pid of queue?.pids ?? []) pids.add(pid);
    return queue;
  }

  const describeOutput = () =>
    `stdout:\n${supervisor!.output.stdout.slice(-4000)}\nstderr:\n${supervisor!.output.stderr.slice(-2000)}`;

  async function finished(): Promise<Record<string, string>> {
    return redis.get().hgetall(redis.key('done'));
  }

  async function runs(): Promise<Record<string, string>> {
    return redis.get().hgetall(redis.key('runs'));
  }

  it(
    'scales a queue from 1 to N workers under a backlog, back to 1 when it drains, restarts a crashed worker, and stops on SIGTERM with every job run once',
    async () => {
      const ids = (
        await Promise.all(Array.from({ length: JOBS }, () => queues.dispatch(SlowJob, { ms: 100 })))
      ).map((job) => job.id);

      supervisor = new TsProcess(APP, env, [
        'queue:supervise',
        '--queue',
        `supervised=1..${MAX}`,
        '--concurrency',
        '1',
        '--backlog',
        '10',
        '--max-shift',
        '1',
        '--cooldown',
        '1000',
        '--interval',
        '200',
        '--json',
      ]);
      await supervisor.waitFor(/"type":"start"/, PROCESS_START_MS);

      // 1 → N: the minimum first, then a step per cool-down while the backlog lasts.
      await waitFor(() => latest()?.workers === MAX, {
        what: () => `${MAX} workers\n${describeOutput()}`,
        timeoutMs: PROCESS_START_MS,
      });
      const ups = lines().filter((l) => l.type === 'scale');
      expect(ups.map((l) => [l.from, l.to])).toEqual([
        [0, 1],
        [1, 2],
        [2, 3],
      ]);
      expect(ups[1].reason).toMatch(/^\d+ waiting, oldest \d/);

      // The backlog drains, worked on by several processes at once.
      let done = 0;
      await waitFor(async () => (done = Object.keys(await finished()).length) === JOBS, {
        what: () => `all ${JOBS} jobs to finish (${done} did)\n${describeOutput()}`,
        // The workers boot first (through swc, three at once: 25 s on a loaded machine).
        timeoutMs: PROCESS_START_MS + 30_000,
      });
      expect(new Set(Object.values(await finished())).size).toBeGreaterThan(1);
      await waitFor(() => lines().filter((l) => l.type === 'worker-ready').length === MAX, {
        what: () => `every worker to say it works\n${describeOutput()}`,
        timeoutMs: PROCESS_START_MS,
      });

      // N → 1, one worker per cool-down, each stopping after its running job.
      await waitFor(() => latest()?.workers === 1 && latest()?.stopping === 0, {
        what: () => `the supervisor to come back to 1 worker\n${describeOutput()}`,
        timeoutMs: 30_000,
      });
      const downs = lines()
        .filter((l) => l.type === 'scale')
        .slice(3);
      expect(downs.map((l) => [l.from, l.to])).toEqual([
        [3, 2],
        [2, 1],
      ]);
      expect(lines().filter((l) => l.type === 'worker-stopped')).toHaveLength(MAX - 1);

      // A worker killed with -9 is restarted (after the first backoff delay).
      const [victim] = latest()!.pids;
      process.kill(victim, 'SIGKILL');
      await waitFor(
        () => {
          const now = latest();
          return now?.workers === 1 && now.restarting === 0 && !now.pids.includes(victim);
        },
        {
          what: () => `a new worker after the crash\n${describeOutput()}`,
          timeoutMs: PROCESS_START_MS,
        },
      );
      const crash = lines().find((l) => l.type === 'worker-crashed')!;
      expect(crash.signal).toBe('SIGKILL');
      expect(lines().find((l) => l.type === 'worker-restart')).toMatchObject({ crashes: 1 });

      // More jobs, some running when SIGTERM arrives: they finish, then the supervisor exits 0.
      const more: string[] = [];
      for (let i = 0; i < 5; i++) more.push((await queues.dispatch(SlowJob, { ms: 300 })).id);
      await waitFor(
        async () => {
          const started = await runs();
          return more.some((id) => id in started);
        },
        {
          what: () => `the new worker to take a job\n${describeOutput()}`,
          timeoutMs: PROCESS_START_MS,
        },
      );
      supervisor.child.kill('SIGTERM');
      const exit = await supervisor.exited;
      expect({ exit, stderr: supervisor.output.stderr }).toEqual({
        exit: { code: 0, signal: null },
        stderr: '',
      });
      expect(lines().at(-1)).toEqual({ type: 'stopped' });

      // Nothing lost, nothing run twice: every job ran exactly once and completed, or was never
      // taken and still waits.
      const ran = await runs();
      const finishedBy = await finished();
      for (const id of ids) {
        expect([id, ran[id]]).toEqual([id, '1']);
        expect((await queues.job('supervised', id))?.state).toBe('completed');
      }
      for (const id of more) {
        const state = (await queues.job('supervised', id))?.state;
        if (ran[id]) {
          expect([id, ran[id], state, id in finishedBy]).toEqual([id, '1', 'completed', true]);
        } else expect([id, state]).toEqual([id, 'waiting']);
      }
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    },
    // Five process starts in a row (the supervisor, three workers, one restart).
    PROCESS_TEST_MS + 90_000,
  );
});
