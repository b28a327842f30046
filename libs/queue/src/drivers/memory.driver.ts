import { CronExpressionParser } from 'cron-parser';
import type { JobCounts, JobInfo, JobState, ScheduleOptions } from '../queue.interfaces';
import { JOB_STATES } from '../queue.interfaces';
import { backoffDelay } from './backoff';
import { MinHeap } from './min-heap';
import {
  AddOptions,
  AddResult,
  FlowNode,
  Processor,
  QueueDriver,
  RunningJob,
  ScheduleInfo,
  WorkerHandle,
  WorkerOptions,
} from './queue-driver';

interface MemoryJob {
  id: string;
  queue: string;
  name: string;
  data: unknown;
  opts: AddOptions;
  state: JobState;
  seq: number;
  runAt: number;
  attemptsMade: number;
  progress: number | object;
  returnValue?: unknown;
  failedReason?: string;
  logs: string[];
  createdAt: number;
  processedAt?: number;
  finishedAt?: number;
  parent?: MemoryJob;
  pendingChildren: number;
  childrenValues: Record<string, unknown>;
}

interface Settings {
  keepCompleted: number;
  keepFailed: number;
}

/**
 * The embedded queue: jobs live in this process's memory and run in this process, with
 * BullMQ's rules for priorities, delays, retries with backoff, unique ids, flows and
 * schedules. Jobs do not survive a restart; use REDIS_URL (BullMQ) for that.
 */
export class MemoryQueueDriver extends QueueDriver {
  readonly kind = 'memory' as const;
  private readonly queues = new Map<string, MemoryQueue>();
  private seq = 0;

  constructor(private readonly settings: Settings) {
    super();
  }

  queue(name: string): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new MemoryQueue(name, this);
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add(queue: string, name: string, data: unknown, opts: AddOptions): Promise<AddResult> {
    const { job, duplicate } = this.create(queue, name, data, opts);
    if (!duplicate) this.queue(queue).enqueue(job);
    return { id: job.id, duplicate };
  }

  async addFlow(root: FlowNode): Promise<AddResult> {
    const added = this.addNode(root, undefined);
    return { id: added.id, duplicate: false };
  }

  private addNode(node: FlowNode, parent: MemoryJob | undefined): MemoryJob {
    const { job } = this.create(node.queue, node.name, node.data, {
      ...node.opts,
      uniqueId: undefined,
    });
    job.parent = parent;
    const children = node.children ?? [];
    job.pendingChildren = children.length;
    if (children.length > 0) {
      job.state = 'waiting-children';
      this.queue(job.queue).jobs.set(job.id, job);
    }
    for (const child of children) this.addNode(child, job);
    if (children.length === 0) this.queue(job.queue).enqueue(job);
    return job;
  }

  private create(
    queueName: string,
    name: string,
    data: unknown,
    opts: AddOptions,
  ): { job: MemoryJob; duplicate: boolean } {
    const queue = this.queue(queueName);
    const held = opts.jobId === undefined ? undefined : queue.jobs.get(opts.jobId);
    if (held) return { job: held, duplicate: true };
    if (opts.uniqueId !== undefined) {
      const pending = queue.unique.get(opts.uniqueId);
      if (pending) return { job: pending, duplicate: true };
    }
    const now = Date.now();
    const job: MemoryJob = {
      id: opts.jobId ?? String(++queue.lastId),
      queue: queueName,
      name,
      // BullMQ stores JSON; so do we, so handlers see the same values on both drivers.
      data: JSON.parse(JSON.stringify(data ?? null)),
      opts,
      state: 'waiting',
      seq: ++this.seq,
      runAt: now + Math.max(0, opts.delay ?? 0),
      attemptsMade: 0,
      progress: 0,
      logs: [],
      createdAt: now,
      pendingChildren: 0,
      childrenValues: {},
    };
    if (opts.uniqueId !== undefined) queue.unique.set(opts.uniqueId, job);
    return { job, duplicate: false };
  }

  async upsertSchedule(
    queue: string,
    id: string,
    schedule: ScheduleOptions,
    template: { name: string; data: unknown; opts: AddOptions },
  ): Promise<void> {
    this.queue(queue).schedule(id, schedule, template);
  }

  async removeSchedule(queue: string, id: string): Promise<boolean> {
    return this.queue(queue).unschedule(id);
  }

  async schedules(queue: string): Promise<ScheduleInfo[]> {
    return this.queue(queue).scheduleInfo();
  }

  work(queue: string, processor: Processor, opts: WorkerOptions): WorkerHandle {
    return this.queue(queue).addWorker(processor, opts.concurrency);
  }

  async counts(queue: string): Promise<JobCounts> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
    for (const job of this.queue(queue).jobs.values()) counts[job.state]++;
    return counts;
  }

  async jobs(queue: string, states: JobState[], start: number, end: number): Promise<JobInfo[]> {
    const wanted = new Set(states);
    const matching = [...this.queue(queue).jobs.values()]
      .filter((job) => wanted.has(job.state))
      .sort((a, b) => b.seq - a.seq);
    return matching.slice(start, end + 1).map(info);
  }

  async job(queue: string, id: string): Promise<JobInfo | undefined> {
    const job = this.queue(queue).jobs.get(id);
    return job ? info(job) : undefined;
  }

  async retry(queue: string, id: string | 'all-failed'): Promise<number> {
    return this.queue(queue).retry(id);
  }

  async clear(queue: string, what: 'pending' | 'completed' | 'failed'): Promise<number> {
    return this.queue(queue).clear(what);
  }

  async pause(queue: string): Promise<void> {
    this.queue(queue).paused = true;
  }

  async resume(queue: string): Promise<void> {
    const q = this.queue(queue);
    q.paused = false;
    q.pump();
  }

  async isPaused(queue: string): Promise<boolean> {
    return this.queue(queue).paused;
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) queue.stopTimers();
  }

  /** Called by a queue when one of its jobs finished for good, to move its parent on. */
  settleParent(child: MemoryJob, outcome: 'completed' | 'failed'): void {
    const parent = child.parent;
    if (!parent || parent.state !== 'waiting-children') return;
    const parentQueue = this.queue(parent.queue);
    if (outcome === 'failed') {
      parentQueue.failForGood(
        parent,
        `child ${child.queue}:${child.id} failed: ${child.failedReason}`,
      );
      return;
    }
    parent.childrenValues[`${child.queue}:${child.id}`] = child.returnValue;
    parent.pendingChildren--;
    if (parent.pendingChildren === 0) {
      parent.runAt = Math.max(Date.now(), parent.createdAt + Math.max(0, parent.opts.delay ?? 0));
      parentQueue.enqueue(parent);
    }
  }

  get keepCompleted(): number {
    return this.settings.keepCompleted;
  }

  get keepFailed(): number {
    return this.settings.keepFailed;
  }
}

interface MemoryWorker {
  processor: Processor;
  concurrency: number;
  running: Set<MemoryJob>;
  /** One signal for the worker's jobs: aborted if they outlive the shutdown timeout. */
  abort: AbortController;
  closing: boolean;
  idle?: () => void;
}

interface MemorySchedule {
  id: string;
  schedule: ScheduleOptions;
  template: { name: string; data: unknown; opts: AddOptions };
  runs: number;
  next?: number;
  timer?: NodeJS.Timeout;
}

class MemoryQueue {
  readonly jobs = new Map<string, MemoryJob>();
  readonly unique = new Map<string, MemoryJob>();
  lastId = 0;
  paused = false;
  private readonly waiting: MemoryJob[] = [];
  private waitingHead = 0;
  private readonly prioritized = new MinHeap<MemoryJob>(
    (a, b) =>
      (a.opts.priority ?? 0) - (b.opts.priority ?? 0) < 0 ||
      ((a.opts.priority ?? 0) === (b.opts.priority ?? 0) && a.seq < b.seq),
  );
  private readonly delayed = new MinHeap<MemoryJob>(
    (a, b) => a.runAt < b.runAt || (a.runAt === b.runAt && a.seq < b.seq),
  );
  private delayTimer: NodeJS.Timeout | undefined;
  private delayTimerAt = Infinity;
  private readonly completed = new Set<MemoryJob>();
  private readonly failed = new Set<MemoryJob>();
  private readonly workers = new Set<MemoryWorker>();
  private readonly scheduled = new Map<string, MemorySchedule>();
  private pumpQueued = false;

  constructor(
    readonly name: string,
    private readonly driver: MemoryQueueDriver,
  ) {}

  /** Put a job where a worker will find it: now, by priority, or later. */
  enqueue(job: MemoryJob): void {
    this.jobs.set(job.id, job);
    if (job.runAt > Date.now()) {
      job.state = 'delayed';
      this.delayed.push(job);
      this.armDelayTimer();
      return;
    }
    if ((job.opts.priority ?? 0) > 0) {
      job.state = 'prioritized';
      this.prioritized.push(job);
    } else {
      job.state = 'waiting';
      this.waiting.push(job);
    }
    this.schedulePump();
  }

  private take(): MemoryJob | undefined {
    while (this.waitingHead < this.waiting.length) {
      const job = this.waiting[this.waitingHead];
      this.waiting[this.waitingHead++] = undefined as never;
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
      if (job.state === 'waiting' && this.jobs.get(job.id) === job) return job;
    }
    for (;;) {
      const job = this.prioritized.pop();
      if (!job) return undefined;
      if (job.state === 'prioritized' && this.jobs.get(job.id) === job) return job;
    }
  }

  private armDelayTimer(): void {
    const next = this.delayed.peek();
    if (!next || next.runAt >= this.delayTimerAt) return;
    clearTimeout(this.delayTimer);
    this.delayTimerAt = next.runAt;
    this.delayTimer = setTimeout(() => this.promoteDue(), Math.max(0, next.runAt - Date.now()));
    this.delayTimer.unref();
  }

  private promoteDue(): void {
    this.delayTimer = undefined;
    this.delayTimerAt = Infinity;
    const now = Date.now();
    for (let job = this.delayed.peek(); job && job.runAt <= now; job = this.delayed.peek()) {
      this.delayed.pop();
      if (job.state === 'delayed' && this.jobs.get(job.id) === job) this.enqueue(job);
    }
    this.armDelayTimer();
  }

  addWorker(processor: Processor, concurrency: number): WorkerHandle {
    const worker: MemoryWorker = {
      processor,
      concurrency: Math.max(1, concurrency),
      running: new Set(),
      closing: false,
      abort: new AbortController(),
    };
    this.workers.add(worker);
    this.schedulePump();
    return {
      close: async (timeoutMs: number) => {
        worker.closing = true;
        if (worker.running.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => (worker.idle = resolve)),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
          ]);
          clearTimeout(timer);
          worker.abort.abort(new Error('worker closed'));
        }
        this.workers.delete(worker);
      },
    };
  }

  /** Batch wake-ups: many enqueues in one tick start workers once. */
  private schedulePump(): void {
    if (this.pumpQueued || this.workers.size === 0) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  pump(): void {
    if (this.paused) return;
    for (const worker of this.workers) {
      while (!worker.closing && worker.running.size < worker.concurrency) {
        const job = this.take();
        if (!job) return;
        this.run(worker, job);
      }
    }
  }

  private run(worker: MemoryWorker, job: MemoryJob): void {
    worker.running.add(job);
    job.state = 'active';
    job.processedAt = Date.now();
    this.driver.events('active', {
      queue: this.name,
      id: job.id,
      name: job.name,
      attempt: job.attemptsMade + 1,
    });
    const running: RunningJob = {
      id: job.id,
      queue: this.name,
      name: job.name,
      data: job.data,
      attemptsMade: job.attemptsMade,
      updateProgress: async (value) => {
        job.progress = value;
        this.driver.events('progress', {
          queue: this.name,
          id: job.id,
          name: job.name,
          progress: value,
        });
      },
      log: async (line) => {
        job.logs.push(line);
      },
      childrenValues: async () => ({ ...job.childrenValues }),
    };
    let outcome: Promise<unknown>;
    try {
      outcome = Promise.resolve(worker.processor(running, worker.abort.signal));
    } catch (error) {
      outcome = Promise.reject(error);
    }
    outcome
      .then(
        (result) => this.complete(job, result),
        (error: unknown) =>
          this.fail(job, error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => {
        worker.running.delete(job);
        if (worker.closing && worker.running.size === 0) worker.idle?.();
        this.pump();
      });
  }

  private complete(job: MemoryJob, result: unknown): void {
    if (this.jobs.get(job.id) !== job) return; // removed while running
    job.state = 'completed';
    job.attemptsMade++;
    job.returnValue = result === undefined ? null : JSON.parse(JSON.stringify(result));
    job.finishedAt = Date.now();
    this.release(job);
    this.keep(this.completed, job, this.driver.keepCompleted);
    this.driver.events('completed', {
      queue: this.name,
      id: job.id,
      name: job.name,
      result: job.returnValue,
      durationMs: job.finishedAt - (job.processedAt ?? job.finishedAt),
    });
    this.driver.settleParent(job, 'completed');
  }

  private fail(job: MemoryJob, error: Error): void {
    if (this.jobs.get(job.id) !== job) return;
    job.attemptsMade++;
    job.failedReason = error.message;
    const attempts = job.opts.attempts ?? 1;
    const willRetry = error.name !== 'UnrecoverableError' && job.attemptsMade < attempts;
    this.driver.events('failed', {
      queue: this.name,
      id: job.id,
      name: job.name,
      error,
      attemptsMade: job.attemptsMade,
      willRetry,
    });
    if (willRetry) {
      job.runAt = Date.now() + backoffDelay(job.opts.backoff, job.attemptsMade);
      this.enqueue(job);
      return;
    }
    this.failForGood(job, error.message);
  }

  failForGood(job: MemoryJob, reason: string): void {
    job.state = 'failed';
    job.failedReason = reason;
    job.finishedAt = Date.now();
    this.release(job);
    this.keep(this.failed, job, this.driver.keepFailed);
    this.driver.settleParent(job, 'failed');
  }

  private release(job: MemoryJob): void {
    const uniqueId = job.opts.uniqueId;
    if (uniqueId !== undefined && this.unique.get(uniqueId) === job) this.unique.delete(uniqueId);
  }

  private keep(finished: Set<MemoryJob>, job: MemoryJob, limit: number): void {
    finished.add(job);
    for (const oldest of finished) {
      if (finished.size <= limit) break;
      finished.delete(oldest);
      this.jobs.delete(oldest.id);
    }
  }

  retry(id: string | 'all-failed'): number {
    const targets =
      id === 'all-failed'
        ? [...this.failed]
        : [this.jobs.get(id)].filter((j) => j?.state === 'failed');
    for (const job of targets as MemoryJob[]) {
      this.failed.delete(job);
      job.attemptsMade = 0;
      job.failedReason = undefined;
      job.finishedAt = undefined;
      job.runAt = Date.now();
      this.enqueue(job);
    }
    return targets.length;
  }

  clear(what: 'pending' | 'completed' | 'failed'): number {
    const states: JobState[] = what === 'pending' ? ['waiting', 'prioritized', 'delayed'] : [what];
    let removed = 0;
    for (const job of [...this.jobs.values()]) {
      if (!states.includes(job.state)) continue;
      this.jobs.delete(job.id);
      this.completed.delete(job);
      this.failed.delete(job);
      this.release(job);
      removed++;
    }
    if (what === 'pending') {
      this.waiting.length = 0;
      this.waitingHead = 0;
      this.prioritized.removeWhere(() => true);
      this.delayed.removeWhere(() => true);
    }
    return removed;
  }

  schedule(
    id: string,
    schedule: ScheduleOptions,
    template: { name: string; data: unknown; opts: AddOptions },
  ): void {
    this.unschedule(id);
    const entry: MemorySchedule = { id, schedule, template, runs: 0 };
    this.scheduled.set(id, entry);
    if (schedule.every !== undefined) {
      this.fire(entry, Date.now());
      const tick = (): void => {
        entry.next = Date.now() + schedule.every!;
        entry.timer = setTimeout(() => {
          this.fire(entry, entry.next!);
          if (this.scheduled.get(id) === entry) tick();
        }, schedule.every);
        entry.timer.unref();
      };
      tick();
      return;
    }
    const interval = CronExpressionParser.parse(schedule.cron!, { tz: schedule.tz ?? 'UTC' });
    const arm = (): void => {
      const next = interval.next().getTime();
      entry.next = next;
      entry.timer = setTimeout(
        () => {
          this.fire(entry, next);
          if (this.scheduled.get(id) === entry) arm();
        },
        Math.max(0, next - Date.now()),
      );
      entry.timer.unref();
    };
    arm();
  }

  private fire(entry: MemorySchedule, at: number): void {
    if (entry.schedule.limit !== undefined && entry.runs >= entry.schedule.limit) {
      this.unschedule(entry.id);
      return;
    }
    entry.runs++;
    void this.driver.add(this.name, entry.template.name, entry.template.data, {
      ...entry.template.opts,
      uniqueId: `repeat:${entry.id}:${at}`,
    });
  }

  unschedule(id: string): boolean {
    const entry = this.scheduled.get(id);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.scheduled.delete(id);
    return true;
  }

  scheduleInfo(): ScheduleInfo[] {
    return [...this.scheduled.values()].map((entry) => ({
      id: entry.id,
      name: entry.template.name,
      every: entry.schedule.every,
      cron: entry.schedule.cron,
      tz: entry.schedule.tz,
      next: entry.next,
    }));
  }

  stopTimers(): void {
    clearTimeout(this.delayTimer);
    for (const id of [...this.scheduled.keys()]) this.unschedule(id);
  }
}

function info(job: MemoryJob): JobInfo {
  return {
    id: job.id,
    queue: job.queue,
    name: job.name,
    data: job.data,
    state: job.state,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    progress: job.progress,
    returnValue: job.returnValue,
    failedReason: job.failedReason,
    createdAt: job.createdAt,
    processedAt: job.processedAt,
    finishedAt: job.finishedAt,
  };
}
