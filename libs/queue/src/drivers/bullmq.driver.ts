import { FlowProducer, Job, JobsOptions, Queue, Worker, type FlowJob } from 'bullmq';
import type Redis from 'ioredis';
import type { JobCounts, JobInfo, JobState, ScheduleOptions } from '../queue.interfaces';
import { JOB_STATES } from '../queue.interfaces';
import {
  AddOptions,
  AddResult,
  FlowNode,
  Processor,
  QueueDriver,
  ScheduleInfo,
  WorkerHandle,
  WorkerOptions,
} from './queue-driver';

interface Settings {
  /** Key prefix for every queue, e.g. `bull` or `lattice:bull`. */
  prefix: string;
  keepCompleted: number;
  keepFailed: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** How long closing waits on BullMQ objects whose Redis is gone. */
const CLOSE_UNREACHABLE_MS = 2000;

const BULL_STATE: Record<JobState, string> = {
  waiting: 'wait',
  prioritized: 'prioritized',
  delayed: 'delayed',
  active: 'active',
  'waiting-children': 'waiting-children',
  completed: 'completed',
  failed: 'failed',
};

/**
 * Jobs in Redis through BullMQ: they survive restarts, are shared by every process on the
 * same Redis, and a job whose worker died is picked up again once its lock expires
 * (stalled-job recovery).
 */
export class BullMqQueueDriver extends QueueDriver {
  readonly kind = 'bullmq' as const;
  private readonly queues = new Map<string, Queue>();
  private flows: FlowProducer | undefined;

  constructor(
    private readonly connections: {
      /** Adds and reads: fails fast in an outage, so a dispatch errors instead of hanging. */
      commands: Redis;
      /** Workers: never gives up on a command (BullMQ requires maxRetriesPerRequest: null). */
      workers: Redis;
    },
    private readonly settings: Settings,
  ) {
    super();
  }

  /** The underlying BullMQ queue, for anything Lattice does not wrap. */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connections.commands,
        prefix: this.settings.prefix,
      });
      queue.on('error', () => undefined); // the connection logs outages once (core's RedisConnections)
      this.queues.set(name, queue);
    }
    return queue;
  }

  private jobOptions(opts: AddOptions): JobsOptions {
    return {
      delay: opts.delay && opts.delay > 0 ? opts.delay : undefined,
      priority: opts.priority && opts.priority > 0 ? opts.priority : undefined,
      attempts: opts.attempts ?? 1,
      backoff: opts.backoff,
      deduplication: opts.uniqueId !== undefined ? { id: opts.uniqueId } : undefined,
      jobId: opts.jobId,
      removeOnComplete: { count: this.settings.keepCompleted },
      removeOnFail: { count: this.settings.keepFailed },
    };
  }

  async add(queue: string, name: string, data: unknown, opts: AddOptions): Promise<AddResult> {
    const q = this.queue(queue);
    const job = await q.add(name, data ?? null, this.jobOptions(opts));
    if (opts.uniqueId === undefined && opts.jobId === undefined)
      return { id: job.id!, duplicate: false };
    // A deduplicated add answers with the pending job's id but our own timestamp and data;
    // the stored job tells whether it is ours.
    const stored = await q.getJob(job.id!);
    const ours =
      stored !== undefined &&
      stored.timestamp === job.timestamp &&
      JSON.stringify(stored.data) === JSON.stringify(data ?? null);
    return { id: job.id!, duplicate: !ours };
  }

  async addFlow(root: FlowNode): Promise<AddResult> {
    this.flows ??= new FlowProducer({
      connection: this.connections.commands,
      prefix: this.settings.prefix,
    });
    const toFlow = (node: FlowNode): FlowJob => ({
      name: node.name,
      queueName: node.queue,
      data: node.data ?? null,
      opts: {
        ...this.jobOptions({ ...node.opts, uniqueId: undefined }),
        failParentOnFailure: true,
      },
      children: node.children?.map(toFlow),
    });
    const tree = await this.flows.add(toFlow(root));
    return { id: tree.job.id!, duplicate: false };
  }

  async upsertSchedule(
    queue: string,
    id: string,
    schedule: ScheduleOptions,
    template: { name: string; data: unknown; opts: AddOptions },
  ): Promise<void> {
    const { attempts, backoff } = this.jobOptions(template.opts);
    await this.queue(queue).upsertJobScheduler(
      id,
      {
        every: schedule.every,
        pattern: schedule.cron,
        tz: schedule.cron ? (schedule.tz ?? 'UTC') : undefined,
        limit: schedule.limit,
      },
      {
        name: template.name,
        data: template.data ?? null,
        opts: {
          attempts,
          backoff,
          priority: template.opts.priority,
          removeOnComplete: { count: this.settings.keepCompleted },
          removeOnFail: { count: this.settings.keepFailed },
        },
      },
    );
  }

  async removeSchedule(queue: string, id: string): Promise<boolean> {
    return this.queue(queue).removeJobScheduler(id);
  }

  async schedules(queue: string): Promise<ScheduleInfo[]> {
    const list = await this.queue(queue).getJobSchedulers(0, -1, true);
    return list.map((s) => ({
      id: s.key,
      name: s.name,
      every: s.every ?? undefined,
      cron: s.pattern ?? undefined,
      tz: s.tz ?? undefined,
      next: s.next ?? undefined,
    }));
  }

  work(queue: string, processor: Processor, opts: WorkerOptions): WorkerHandle {
    const closing = new AbortController();
    const worker = new Worker(
      queue,
      // Two parameters: with a third, BullMQ makes an AbortController for every job.
      async (job: Job) =>
        processor(
          {
            id: job.id!,
            queue,
            name: job.name,
            data: job.data,
            attemptsMade: job.attemptsMade,
            updateProgress: (value) => job.updateProgress(value),
            log: async (line) => {
              await job.log(line);
            },
            childrenValues: async () => childrenByQueueAndId(await job.getChildrenValues()),
          },
          closing.signal,
        ),
      {
        connection: this.connections.workers,
        prefix: this.settings.prefix,
        concurrency: Math.max(1, opts.concurrency),
        lockDuration: this.settings.lockDurationMs,
        stalledInterval: this.settings.stalledIntervalMs,
      },
    );
    worker.on('error', () => undefined); // connection errors are logged once by core
    worker.on('active', (job) =>
      this.events('active', { queue, id: job.id!, name: job.name, attempt: job.attemptsMade + 1 }),
    );
    worker.on('completed', (job, result) =>
      this.events('completed', {
        queue,
        id: job.id!,
        name: job.name,
        result,
        durationMs: (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now()),
      }),
    );
    worker.on('failed', (job, error) => {
      if (!job) return;
      this.events('failed', {
        queue,
        id: job.id!,
        name: job.name,
        error,
        attemptsMade: job.attemptsMade,
        willRetry:
          error.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1),
      });
    });
    worker.on('progress', (job, progress) =>
      this.events('progress', {
        queue,
        id: job.id!,
        name: job.name,
        progress: progress as number | object,
      }),
    );
    worker.on('stalled', (id) => this.events('stalled', { queue, id }));
    return {
      close: async (timeoutMs: number) => {
        // With Redis unreachable there is nothing to finish gracefully, and BullMQ would wait for it.
        const reachable = this.connections.workers.status === 'ready';
        const late = !reachable || !(await within(worker.close(), timeoutMs));
        // Jobs still running keep their lock until it expires; another worker then takes them.
        if (late) {
          closing.abort(new Error('worker closed'));
          await within(worker.close(true), CLOSE_UNREACHABLE_MS);
        }
      },
    };
  }

  async counts(queue: string): Promise<JobCounts> {
    const raw = await this.queue(queue).getJobCounts(
      ...(Object.values(BULL_STATE) as never[]),
      'paused' as never,
    );
    const counts = Object.fromEntries(
      JOB_STATES.map((state) => [state, raw[BULL_STATE[state]] ?? 0]),
    ) as JobCounts;
    counts.waiting += raw.paused ?? 0;
    return counts;
  }

  async jobs(queue: string, states: JobState[], start: number, end: number): Promise<JobInfo[]> {
    const q = this.queue(queue);
    const types = states.map((s) => BULL_STATE[s]) as never[];
    const jobs = await q.getJobs(types, start, end, false);
    return Promise.all(
      jobs
        .filter(Boolean)
        .map(async (job) => info(queue, job, states.length === 1 ? states[0] : await state(job))),
    );
  }

  async job(queue: string, id: string): Promise<JobInfo | undefined> {
    const job = await this.queue(queue).getJob(id);
    return job ? info(queue, job, await state(job)) : undefined;
  }

  async retry(queue: string, id: string | 'all-failed'): Promise<number> {
    const q = this.queue(queue);
    if (id === 'all-failed') {
      const failed = await q.getFailedCount();
      if (failed > 0) await q.retryJobs({ state: 'failed', count: 1000 });
      return failed;
    }
    const job = await q.getJob(id);
    if (!job || (await job.getState()) !== 'failed') return 0;
    await job.retry('failed');
    return 1;
  }

  async clear(queue: string, what: 'pending' | 'completed' | 'failed'): Promise<number> {
    const q = this.queue(queue);
    if (what === 'pending') {
      const c = await this.counts(queue);
      await q.drain(true);
      return c.waiting + c.prioritized + c.delayed;
    }
    return (await q.clean(0, 0, what)).length;
  }

  async pause(queue: string): Promise<void> {
    await this.queue(queue).pause();
  }

  async resume(queue: string): Promise<void> {
    await this.queue(queue).resume();
  }

  async isPaused(queue: string): Promise<boolean> {
    return this.queue(queue).isPaused();
  }

  async close(): Promise<void> {
    const closed = Promise.all([...this.queues.values()].map((q) => q.close())).then(() =>
      this.flows?.close(),
    );
    await within(closed, CLOSE_UNREACHABLE_MS);
    this.queues.clear();
  }
}

/** True if `work` settles within `ms`; it is not cancelled otherwise. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function state(job: Job): Promise<JobState | 'unknown'> {
  const s: string = await job.getState();
  if (s === 'wait' || s === 'waiting' || s === 'paused') return 'waiting';
  return (JOB_STATES as readonly string[]).includes(s) ? (s as JobState) : 'unknown';
}

/** BullMQ keys children by their full Redis key (`prefix:queue:id`); we key by `queue:id`. */
function childrenByQueueAndId(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [key.split(':').slice(-2).join(':'), value]),
  );
}

function info(queue: string, job: Job, jobState: JobState | 'unknown'): JobInfo {
  return {
    id: job.id!,
    queue,
    name: job.name,
    data: job.data,
    state: jobState,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    progress: job.progress as number | object,
    returnValue: job.returnvalue ?? undefined,
    failedReason: job.failedReason || undefined,
    createdAt: job.timestamp,
    processedAt: job.processedOn ?? undefined,
    finishedAt: job.finishedOn ?? undefined,
  };
}
