export type QueueDriverKind = 'memory' | 'bullmq';

/** Retry delay between attempts: fixed, or doubling from `delay` (BullMQ's formulas). */
export interface BackoffOptions {
  type: 'fixed' | 'exponential';
  delay: number;
  /** 0..1: the share of the delay that is randomised downwards. */
  jitter?: number;
}

/** Options of `@QueueJob()`: where the job runs and how it is retried. */
export interface QueueJobOptions {
  /** Job name, unique in its queue. Defaults to the class name. */
  name?: string;
  queue?: string;
  /** Total tries, the first included. Default 1. */
  attempts?: number;
  backoff?: number | BackoffOptions;
  /** Milliseconds a try may take before it fails with JobTimeoutError (and is retried). */
  timeout?: number;
  /** Worker concurrency this job asks of its queue (the queue takes the largest; configuration overrides). */
  concurrency?: number;
  /** Run on a schedule from boot: `{ every: 60_000 }` or `{ cron: '0 * * * *' }`. */
  schedule?: ScheduleOptions & { payload?: unknown };
}

export interface ScheduleOptions {
  /** Interval in milliseconds; the first run is immediate. */
  every?: number;
  /** Cron pattern (5 or 6 fields), read in `tz` (default UTC). */
  cron?: string;
  tz?: string;
  /** Stop after this many runs. */
  limit?: number;
}

export interface QueueSettings {
  /** Jobs this process runs at once from this queue. */
  concurrency?: number;
}

export interface QueueModuleOptions {
  /** Defaults to core's driver selection: `bullmq` when REDIS_URL is set, else `memory`. */
  driver?: QueueDriverKind;
  /** Per-queue settings; queues named by `@QueueJob` but not listed here get the defaults. */
  queues?: Record<string, QueueSettings>;
  /** Run workers in this process (default true). Set false for an API process next to `lattice queue:work`. */
  worker?: boolean;
  /** Completed jobs kept for inspection per queue (default 1000). */
  keepCompleted?: number;
  /** Failed jobs kept per queue (default 5000). */
  keepFailed?: number;
  /** BullMQ: how long a worker's lock on a job lasts before the job counts as stalled (default 30 s). */
  lockDurationMs?: number;
  /** BullMQ: how often workers look for stalled jobs (default 30 s). */
  stalledIntervalMs?: number;
  /** How long shutdown waits for running jobs before giving up on them (default 30 s). */
  shutdownTimeoutMs?: number;
}

export type JobState =
  'waiting' | 'prioritized' | 'delayed' | 'active' | 'waiting-children' | 'completed' | 'failed';

export const JOB_STATES: readonly JobState[] = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'completed',
  'failed',
];

export type JobCounts = Record<JobState, number>;

/** A job as stored by a driver, the same shape for both. */
export interface JobInfo {
  id: string;
  queue: string;
  name: string;
  data: unknown;
  state: JobState | 'unknown';
  attemptsMade: number;
  attempts: number;
  progress: number | object;
  returnValue?: unknown;
  failedReason?: string;
  createdAt: number;
  processedAt?: number;
  finishedAt?: number;
}

/** What a dispatch returns. `duplicate` is true when a job with the same unique id was still pending. */
export interface DispatchedJob {
  id: string;
  queue: string;
  name: string;
  duplicate: boolean;
}

/** Handed to `Job.handle()`. */
export interface JobContext {
  id: string;
  queue: string;
  name: string;
  /** 1 on the first try. */
  attempt: number;
  /** Aborted when the job times out or the worker is shutting down; long jobs should watch it. */
  signal: AbortSignal;
  progress(value: number | object): Promise<void>;
  log(line: string): Promise<void>;
  /** Results of this job's children in a flow, by child job id. */
  childrenResults(): Promise<Record<string, unknown>>;
}

export interface QueueEvents {
  active: { queue: string; id: string; name: string; attempt: number };
  completed: { queue: string; id: string; name: string; result: unknown; durationMs: number };
  failed: {
    queue: string;
    id: string;
    name: string;
    error: Error;
    attemptsMade: number;
    /** False when this was the last attempt (or the error was unrecoverable). */
    willRetry: boolean;
  };
  progress: { queue: string; id: string; name: string; progress: number | object };
  stalled: { queue: string; id: string };
}

export type QueueEventName = keyof QueueEvents;
