import type {
  BackoffOptions,
  JobCounts,
  JobInfo,
  JobState,
  QueueDriverKind,
  QueueEvents,
  ScheduleOptions,
} from '../queue.interfaces';

/** Options a driver stores with a job. */
export interface AddOptions {
  delay?: number;
  /** 1 is the highest; 0 or absent means "no priority", served before prioritized jobs (BullMQ's rule). */
  priority?: number;
  attempts?: number;
  backoff?: BackoffOptions;
  /** While a job with this id is pending, adding another one returns the pending job. */
  uniqueId?: string;
  /** The job's id; adding one the queue still holds adds nothing (duplicate). */
  jobId?: string;
}

export interface FlowNode {
  queue: string;
  name: string;
  data: unknown;
  opts?: AddOptions;
  /** Run before this job; if one fails for good, this job fails too. */
  children?: FlowNode[];
}

export interface AddResult {
  id: string;
  duplicate: boolean;
}

/** What a worker hands to the processor: the stored job plus the means to report on it. */
export interface RunningJob {
  id: string;
  queue: string;
  name: string;
  data: unknown;
  /** Tries made before this one. */
  attemptsMade: number;
  updateProgress(value: number | object): Promise<void>;
  log(line: string): Promise<void>;
  childrenValues(): Promise<Record<string, unknown>>;
}

export type Processor = (job: RunningJob, signal: AbortSignal) => Promise<unknown>;

export interface WorkerOptions {
  concurrency: number;
}

export interface WorkerHandle {
  /** Take no new jobs, wait for running ones (up to `timeoutMs`), then release resources. */
  close(timeoutMs: number): Promise<void>;
}

export interface ScheduleInfo {
  id: string;
  name: string;
  every?: number;
  cron?: string;
  tz?: string;
  next?: number;
}

export type EventSink = <E extends keyof QueueEvents>(event: E, payload: QueueEvents[E]) => void;

/**
 * Where jobs are stored and how they are run. `QueueManager` speaks only to this, so the
 * in-process driver and BullMQ share one API and one contract suite; tests replace it with
 * `QueueFake`.
 */
export abstract class QueueDriver {
  abstract readonly kind: QueueDriverKind | 'fake';
  /** Set by QueueManager: every driver reports worker events here. */
  events: EventSink = () => undefined;

  abstract add(queue: string, name: string, data: unknown, opts: AddOptions): Promise<AddResult>;
  abstract addFlow(root: FlowNode): Promise<AddResult>;
  abstract upsertSchedule(
    queue: string,
    id: string,
    schedule: ScheduleOptions,
    template: { name: string; data: unknown; opts: AddOptions },
  ): Promise<void>;
  abstract removeSchedule(queue: string, id: string): Promise<boolean>;
  abstract schedules(queue: string): Promise<ScheduleInfo[]>;

  abstract work(queue: string, processor: Processor, opts: WorkerOptions): WorkerHandle;

  abstract counts(queue: string): Promise<JobCounts>;
  abstract jobs(queue: string, states: JobState[], start: number, end: number): Promise<JobInfo[]>;
  abstract job(queue: string, id: string): Promise<JobInfo | undefined>;
  /** Move failed jobs back to waiting; returns how many moved. */
  abstract retry(queue: string, id: string | 'all-failed'): Promise<number>;
  /** Remove jobs: 'pending' = waiting, prioritized and delayed. Returns how many went. */
  abstract clear(queue: string, what: 'pending' | 'completed' | 'failed'): Promise<number>;
  abstract pause(queue: string): Promise<void>;
  abstract resume(queue: string): Promise<void>;
  abstract isPaused(queue: string): Promise<boolean>;
  abstract close(): Promise<void>;
}
