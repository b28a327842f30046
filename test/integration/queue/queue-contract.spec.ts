import { LatticeModule } from '@lattice/core';
import { QueueDriver, QueueManager, QueueModule } from '@lattice/queue';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { pause, waitFor } from '../../support/wait';
import {
  CONTRACT_JOBS,
  Doomed,
  Echo,
  Flaky,
  Hopeless,
  Recorder,
  Slowpoke,
  Step,
} from './fixtures/contract-jobs';

async function bootQueues(env: Record<string, string>): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      QueueModule.forRoot({ shutdownTimeoutMs: 5000 }),
    ],
    providers: [Recorder, ...CONTRACT_JOBS],
  })
  class QueueTestModule {}
  return NestFactory.createApplicationContext(QueueTestModule, {
    logger: false,
    abortOnError: false,
  });
}

let keys = 0;
const key = (label: string) => `${label}-${++keys}`;
/** Clock slack between the timer that fires a delayed job and Date.now() in the handler. */
const SLACK_MS = 10;

/** One suite, both drivers: the in-process driver must keep BullMQ's rules. */
function contractSuite(driver: 'memory' | 'bullmq', env: () => Record<string, string>) {
  let app: INestApplicationContext;
  let queues: QueueManager;
  let recorder: Recorder;

  beforeAll(async () => {
    app = await bootQueues(env());
    queues = app.get(QueueManager);
    recorder = app.get(Recorder);
  });
  afterAll(() => app?.close());

  /** Dispatches an Echo due in `delayMs` and waits for it to run: a later positive signal. */
  async function sentinel(delayMs: number): Promise<void> {
    const k = key('sentinel');
    await queues.dispatch(Echo, { key: k }).delay(delayMs);
    await recorder.until(() => recorder.of(k).length === 1, undefined, `the sentinel ${k}`);
  }

  it(`runs on the ${driver} driver`, () => {
    expect(queues.driverKind).toBe(driver);
    expect(queues.queueNames()).toEqual(['contract', 'ordered']);
    expect(queues.concurrencyOf('contract')).toBe(4);
  });

  it('runs a dispatched job with its payload and reports completion and progress', async () => {
    const k = key('echo');
    const progress: unknown[] = [];
    const off = queues.on('progress', (event) => void progress.push(event.progress));
    const dispatched = await queues.dispatch(Echo, { key: k });
    expect(dispatched).toMatchObject({ queue: 'contract', name: 'Echo', duplicate: false });
    await recorder.until(() =>
      recorder.events.some((e) => e.event === 'completed' && recorder.of(k).length === 1),
    );
    await waitForState(queues, 'contract', dispatched.id, 'completed');
    const job = await queues.job('contract', dispatched.id);
    expect(job).toMatchObject({
      name: 'Echo',
      data: { key: k },
      returnValue: `echo:${k}`,
      attemptsMade: 1,
    });
    expect(progress).toContain(100);
    off();
  });

  it('waits for a delay and for a date', async () => {
    const k1 = key('delay');
    const k2 = key('at');
    // "Not before": each run is compared with its scheduled time (floors only: a loaded machine
    // may run them late, never early).
    const notBefore = Date.now() + 400;
    await queues.dispatch(Echo, { key: k1 }).delay(400);
    const at = new Date(Date.now() + 600);
    await queues.dispatch(Echo, { key: k2 }).at(at);
    await recorder.until(() => recorder.of(k1).length === 1 && recorder.of(k2).length === 1);
    expect(recorder.of(k1)[0].at).toBeGreaterThanOrEqual(notBefore - SLACK_MS);
    expect(recorder.of(k2)[0].at).toBeGreaterThanOrEqual(at.getTime() - SLACK_MS);
  });

  it('retries with a fixed backoff until an attempt succeeds', async () => {
    const k = key('flaky');
    const { id } = await queues.dispatch(Flaky, { key: k, failTimes: 2 });
    await waitForState(queues, 'contract', id, 'completed');
    const runs = recorder.of(k);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(140);
    expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(140);
    expect((await queues.job('contract', id))?.returnValue).toBe('ok after 3');
  });

  it('fails for good after the last attempt, backing off exponentially, and calls failed() once', async () => {
    const k = key('doomed');
    const { id } = await queues.dispatch(Doomed, { key: k });
    await waitForState(queues, 'contract', id, 'failed');
    await recorder.until(() => recorder.failedHooks.some((h) => h.startsWith(`${k}:`)));
    const runs = recorder.of(k);
    expect(runs).toHaveLength(3);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(95); // 100 × 2^0
    expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(195); // 100 × 2^1
    expect(recorder.failedHooks.filter((h) => h.startsWith(`${k}:`))).toEqual([`${k}:doomed ${k}`]);
    const job = await queues.job('contract', id);
    expect(job).toMatchObject({ state: 'failed', attemptsMade: 3, failedReason: `doomed ${k}` });
    const events = recorder.events.filter((e) => e.event === 'failed' && e.name === 'Doomed');
    expect(events.slice(-3).map((e) => e.willRetry)).toEqual([true, true, false]);
    expect((await queues.jobs('contract', ['failed'])).map((j) => j.id)).toContain(id);
  });

  it('does not retry an unrecoverable error', async () => {
    const k = key('hopeless');
    const { id } = await queues.dispatch(Hopeless, { key: k });
    await waitForState(queues, 'contract', id, 'failed');
    expect(recorder.of(k)).toHaveLength(1);
  });

  it('fails an attempt that runs past its timeout and aborts its signal', async () => {
    const k = key('slow');
    // Far longer than any test may wait: if the 150 ms timeout did not cut it short, the job
    // would still be running when waitForState gives up. No duration is measured.
    const { id } = await queues.dispatch(Slowpoke, { key: k, sleepMs: 600_000 });
    await waitForState(queues, 'contract', id, 'failed');
    expect((await queues.job('contract', id))?.failedReason).toMatch(
      /ran longer than its timeout of 150 ms/,
    );
    expect(app.get(Slowpoke).aborted).toBeGreaterThanOrEqual(1);
  });

  it('serves jobs without priority first, then by priority (1 is highest)', async () => {
    await queues.pause('ordered');
    expect(await queues.isPaused('ordered')).toBe(true);
    const ks = ['p3', 'p1', 'none', 'p2'].map((label) => key(label));
    await queues.dispatch(Step, { key: ks[0] }).priority(3);
    await queues.dispatch(Step, { key: ks[1] }).priority(1);
    await queues.dispatch(Step, { key: ks[2] });
    await queues.dispatch(Step, { key: ks[3] }).priority(2);
    expect((await queues.counts('ordered')).prioritized).toBe(3);
    await queues.resume('ordered');
    await recorder.until(() => ks.every((k) => recorder.of(k).length === 1));
    const order = recorder.runs.filter((r) => ks.includes(r.key)).map((r) => r.key);
    expect(order).toEqual([ks[2], ks[1], ks[3], ks[0]]);
  });

  it('drops a dispatch whose unique id is still pending, accepts it again once done', async () => {
    const unique = key('unique');
    // The first run holds until the second dispatch is refused, however slow the machine.
    const first = await queues.dispatch(Echo, { key: unique, hold: true }).unique(unique);
    const second = await queues.dispatch(Echo, { key: unique }).unique(unique);
    expect(second).toMatchObject({ id: first.id, duplicate: true });
    recorder.open(unique);
    await waitForState(queues, 'contract', first.id, 'completed');
    const third = await queues.dispatch(Echo, { key: unique }).unique(unique);
    expect(third.duplicate).toBe(false);
    expect(third.id).not.toBe(first.id);
    await waitForState(queues, 'contract', third.id, 'completed');
    expect(recorder.of(unique)).toHaveLength(2);
  });

  it('runs a schedule every N ms up to its limit, and a cron schedule', async () => {
    const every = key('every');
    await queues.schedule(every, Echo, { key: every }, { every: 200, limit: 3 });
    await recorder.until(() => recorder.of(every).length === 3, undefined, '3 scheduled runs');
    // "No fourth run": a sentinel due after the fourth would have run last; once it ran,
    // a fourth would have run too.
    await sentinel(400);
    expect(recorder.of(every)).toHaveLength(3);

    const cron = key('cron');
    await queues.schedule(cron, Echo, { key: cron }, { cron: '* * * * * *' });
    expect((await queues.schedules('contract')).map((s) => s.id)).toContain(cron);
    await recorder.until(() => recorder.of(cron).length >= 1, undefined, 'a cron run');
    expect(await queues.unschedule('contract', cron)).toBe(true);
    const after = recorder.of(cron).length;
    await sentinel(1300); // past the next second, when a surviving schedule would run again
    expect(recorder.of(cron).length).toBeLessThanOrEqual(after + 1); // one may have been queued already
    expect((await queues.schedules('contract')).map((s) => s.id)).not.toContain(cron);
  });

  it('runs a chain in order and stops it at a failure', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((label) => key(`chain-${label}`));
    const last = await queues.chain([
      { job: Step, payload: { key: a } },
      { job: Step, payload: { key: b } },
      { job: Step, payload: { key: c } },
    ]);
    await waitForState(queues, 'ordered', last.id, 'completed');
    const order = recorder.runs.filter((r) => [a, b, c].includes(r.key)).map((r) => r.key);
    expect(order).toEqual([a, b, c]);
    expect((await queues.job('ordered', last.id))?.returnValue).toBe(`${c}+${b}+${a}`);

    const [x, y, z] = ['x', 'y', 'z'].map((label) => key(`broken-${label}`));
    const broken = await queues.chain([
      { job: Step, payload: { key: x } },
      { job: Step, payload: { key: y, failTimes: 1 } },
      { job: Step, payload: { key: z } },
    ]);
    await waitForState(queues, 'ordered', broken.id, 'failed');
    expect(recorder.of(x)).toHaveLength(1);
    expect(recorder.of(y)).toHaveLength(1);
    expect(recorder.of(z)).toHaveLength(0);
  });

  it('runs a flow: children first, then the parent with their results', async () => {
    const [p, c1, c2] = ['parent', 'child1', 'child2'].map((label) => key(label));
    const parent = await queues.flow({
      job: Step,
      payload: { key: p },
      children: [
        { job: Echo, payload: { key: c1 } },
        { job: Echo, payload: { key: c2 } },
      ],
    });
    await waitForState(queues, 'ordered', parent.id, 'completed');
    expect((await queues.job('ordered', parent.id))?.returnValue).toBe(
      `${p}+echo:${c1}+echo:${c2}`,
    );
  });

  it('retries a failed job on request and clears pending jobs', async () => {
    const k = key('retry');
    const { id } = await queues.dispatch(Hopeless, { key: k });
    await waitForState(queues, 'contract', id, 'failed');
    expect(await queues.retry('contract', id)).toBe(1);
    await recorder.until(() => recorder.of(k).length === 2);
    await waitForState(queues, 'contract', id, 'failed');

    await queues.pause('ordered');
    for (let i = 0; i < 3; i++) await queues.dispatch(Step, { key: key('cleared') });
    await queues.dispatch(Step, { key: key('cleared') }).delay(60_000);
    const before = await queues.counts('ordered');
    expect(before.waiting + before.delayed).toBe(4);
    expect(await queues.clear('ordered', 'pending')).toBe(4);
    const after = await queues.counts('ordered');
    expect(after.waiting + after.delayed + after.prioritized).toBe(0);
    await queues.resume('ordered');
  });

  it('fails a job no class in this process handles, without retrying', async () => {
    const { id } = await app.get(QueueDriver).add('contract', 'NoSuchJob', {}, { attempts: 3 });
    await waitForState(queues, 'contract', id, 'failed');
    const job = await queues.job('contract', id);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(
      /No job class handles "NoSuchJob" on queue "contract".*Known here: Echo/,
    );
  });

  it('rejects bad input with errors that name the problem', async () => {
    expect(() => queues.dispatch(Echo, { key: 'x' }).priority(0)).toThrow(
      /priority\(0\) for Echo is not valid/,
    );
    expect(() => queues.dispatch(Echo, { key: 'x' }).delay(-5)).toThrow(/delay\(-5\)/);
    expect(() => queues.dispatch(Echo, { key: 'x' }).unique('')).toThrow(/unique/);
    await expect(queues.dispatch(Echo, { key: 'x', big: 1n } as never)).rejects.toMatchObject({
      code: 'LATTICE_QUEUE_PAYLOAD_INVALID',
    });
    class Plain {}
    expect(() => queues.dispatch(Plain as never, {} as never)).toThrow(/Plain is not a queue job/);
    await expect(
      queues.schedule('both', Echo, { key: 'x' }, { every: 10, cron: '* * * * *' }),
    ).rejects.toMatchObject({
      code: 'LATTICE_QUEUE_SCHEDULE_INVALID',
    });
    await expect(
      queues.schedule('bad', Echo, { key: 'x' }, { cron: 'every tuesday' }),
    ).rejects.toThrow(/does not parse/);
    expect(() => queues.counts('nope')).toThrow(
      /Queue "nope" is not known.*Known: contract, ordered/,
    );
  });

  it('finishes running jobs on shutdown and takes no new ones', async () => {
    // Its own key prefix, so no other worker on this Redis can take its jobs.
    const base = env();
    const own = await bootQueues(
      base.REDIS_KEY_PREFIX ? { ...base, REDIS_KEY_PREFIX: `${base.REDIS_KEY_PREFIX}own:` } : base,
    );
    const ownQueues = own.get(QueueManager);
    const ownRecorder = own.get(Recorder);
    const k = key('graceful');
    const { id } = await ownQueues.dispatch(Echo, { key: k, sleepMs: 600 });
    await ownRecorder.until(() => ownRecorder.of(k).length === 1);
    const later = await ownQueues.dispatch(Echo, { key: key('not-started') }).delay(200);
    await ownQueues.stopWorkers();
    // Still running when stopWorkers began (600 ms of work), completed when it returned.
    expect((await ownQueues.job('contract', id))?.state).toBe('completed');
    expect(Date.now()).toBeGreaterThanOrEqual(ownRecorder.of(k)[0].at + 600 - SLACK_MS);
    // A floor, not a guess: past the 200 ms delay, a worker still taking jobs would have it.
    await pause(400);
    expect(['delayed', 'waiting']).toContain((await ownQueues.job('contract', later.id))?.state);
    await own.close();
  });
}

async function waitForState(queues: QueueManager, queue: string, id: string, state: string) {
  let last: string | undefined;
  await waitFor(async () => (last = (await queues.job(queue, id))?.state) === state, {
    what: () => `job ${queue}#${id} to reach "${state}" (last seen: ${last})`,
  });
}

describe('queue contract: in-process driver', () => {
  contractSuite('memory', () => ({}));
});

describeWith(['redis'], 'queue contract: BullMQ driver', () => {
  const prefix = uniqueRedisPrefix('queue');
  contractSuite('bullmq', () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }));
});
