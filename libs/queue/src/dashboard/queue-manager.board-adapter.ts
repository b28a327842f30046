import { BaseAdapter } from '@bull-board/api/dist/queueAdapters/base.js';
import type {
  AppJobScheduler,
  JobCounts as BoardJobCounts,
  JobStatus,
  QueueJob,
  QueueMetrics,
  Status,
} from '@bull-board/api/dist/types.js';
import type { JobInfo, JobState } from '../queue.interfaces';
import type { QueueManager } from '../queue-manager';

const STATUSES: JobState[] = [
  'active',
  'waiting',
  'waiting-children',
  'prioritized',
  'completed',
  'failed',
  'delayed',
];

/**
 * Shows a queue of the in-process driver in bull-board, read-only: counts, job lists and
 * job details come from QueueManager; actions (retry, clean, pause) stay with the CLI and
 * the API, because bull-board's job actions assume BullMQ job objects.
 */
export class QueueManagerBoardAdapter extends BaseAdapter {
  constructor(
    private readonly manager: QueueManager,
    private readonly queue: string,
  ) {
    super('bullmq', {
      readOnlyMode: true,
      description: `in-process (${manager.driverKind}) queue`,
    });
  }

  getName(): string {
    return this.queue;
  }

  async getRedisInfo(): Promise<string | null> {
    return null;
  }

  async getJobCounts(): Promise<BoardJobCounts> {
    return (await this.manager.counts(this.queue)) as unknown as BoardJobCounts;
  }

  async getJobs(statuses: JobStatus[], start = 0, end = 49): Promise<QueueJob[]> {
    const states = statuses.filter((s): s is JobState => (STATUSES as string[]).includes(s));
    const jobs = await this.manager.jobs(this.queue, states.length ? states : STATUSES, start, end);
    return jobs.map(toBoardJob);
  }

  async getJob(id: string): Promise<QueueJob | undefined> {
    const job = await this.manager.job(this.queue, id);
    return job && toBoardJob(job);
  }

  async getJobLogs(): Promise<string[]> {
    return [];
  }

  async getMetrics(): Promise<QueueMetrics> {
    return {
      meta: { count: 0, prevTS: 0, prevCount: 0 },
      data: [],
      count: 0,
    } as unknown as QueueMetrics;
  }

  isPaused(): Promise<boolean> {
    return this.manager.isPaused(this.queue);
  }

  getStatuses(): Status[] {
    return ['latest', ...STATUSES] as Status[];
  }

  getJobStatuses(): JobStatus[] {
    return STATUSES as JobStatus[];
  }

  async getJobSchedulers(): Promise<Omit<AppJobScheduler, 'queueName'>[]> {
    const schedules = await this.manager.schedules(this.queue);
    return schedules.map((s) => ({
      id: s.id,
      name: s.name,
      every: s.every,
      pattern: s.cron,
      tz: s.tz,
      next: s.next,
    })) as never;
  }

  async getJobSchedulersCount(): Promise<number> {
    return (await this.manager.schedules(this.queue)).length;
  }

  async getGlobalConcurrency(): Promise<number | null> {
    return this.manager.concurrencyOf(this.queue);
  }

  // Read-only mode: bull-board does not offer these actions, so they are never called.
  pause = readOnly;
  resume = readOnly;
  empty = readOnly;
  obliterate = readOnly;
  promoteAll = readOnly;
  clean = readOnly;
  addJob = readOnly as never;
  removeJobScheduler = readOnly as never;
  updateJobScheduler = readOnly as never;
  runJobSchedulerNow = readOnly as never;
  setGlobalConcurrency = readOnly;
}

async function readOnly(): Promise<never> {
  throw new Error(
    'This queue is shown read-only; use the lattice queue:* commands or QueueManager.',
  );
}

function toBoardJob(job: JobInfo): QueueJob {
  const json = {
    id: job.id,
    name: job.name,
    data: job.data,
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    timestamp: job.createdAt,
    processedOn: job.processedAt ?? null,
    finishedOn: job.finishedAt ?? null,
    failedReason: job.failedReason ?? '',
    stacktrace: null,
    returnvalue: job.returnValue ?? null,
    opts: { attempts: job.attempts },
  };
  return {
    opts: {},
    toJSON: () => json,
    getState: async () => job.state as never,
    promote: readOnly,
    remove: readOnly,
    retry: readOnly,
  };
}
