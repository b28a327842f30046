import type { Type } from '@nestjs/common';
import { getJobDefinition } from '../decorators/queue-job.decorator';
import {
  AddOptions,
  AddResult,
  FlowNode,
  Processor,
  QueueDriver,
  ScheduleInfo,
  WorkerHandle,
} from '../drivers/queue-driver';
import type { Job, PayloadOf } from '../job';
import type { JobCounts, JobInfo, JobState, ScheduleOptions } from '../queue.interfaces';
import { JOB_STATES } from '../queue.interfaces';
import { QueueMessages } from '../queue.messages';

export interface FakeJob {
  id: string;
  queue: string;
  name: string;
  data: unknown;
  opts: AddOptions;
  state: 'pending' | 'completed' | 'failed';
  attemptsMade: number;
  result?: unknown;
  error?: Error;
  children: FakeJob[];
  parent?: FakeJob;
}

/**
 * A queue driver for tests: records every dispatch instead of storing it, so a unit test
 * can assert what was queued without Redis or timers, and can run the recorded jobs
 * through their real handlers when it wants to.
 *
 * @example
 * const queue = new QueueFake();
 * const app = await Test.createTestingModule({ imports: [AppModule] })
 *   .overrideProvider(QueueDriver).useValue(queue).compile();
 * await app.get(AnswersService).create(…);
 * queue.assertDispatched(NotifyQuestionAuthor, (p) => p.answerId === 7);
 * await queue.runAll(); // run them now, retries included, no delays
 */
export class QueueFake extends QueueDriver {
  readonly kind = 'fake' as const;
  readonly recorded: FakeJob[] = [];
  readonly scheduled: Array<{
    queue: string;
    id: string;
    schedule: ScheduleOptions;
    name: string;
    data: unknown;
  }> = [];
  private readonly processors = new Map<string, Processor>();
  private nextId = 0;

  /** `sync: true` runs each job as soon as it is dispatched (like Laravel's sync driver); its error is thrown to the dispatcher. */
  constructor(private readonly options: { sync?: boolean } = {}) {
    super();
  }

  async add(queue: string, name: string, data: unknown, opts: AddOptions): Promise<AddResult> {
    if (opts.uniqueId !== undefined) {
      const pending = this.recorded.find(
        (j) => j.state === 'pending' && j.opts.uniqueId === opts.uniqueId,
      );
      if (pending) return { id: pending.id, duplicate: true };
    }
    const job = this.record({ queue, name, data, opts });
    if (this.options.sync) await this.runOne(job, true);
    return { id: job.id, duplicate: false };
  }

  async addFlow(root: FlowNode): Promise<AddResult> {
    const build = (node: FlowNode, parent?: FakeJob): FakeJob => {
      const job = this.record(
        { queue: node.queue, name: node.name, data: node.data, opts: node.opts ?? {} },
        parent,
      );
      job.children = (node.children ?? []).map((child) => build(child, job));
      return job;
    };
    const top = build(root);
    if (this.options.sync) await this.runAll();
    return { id: top.id, duplicate: false };
  }

  async upsertSchedule(
    queue: string,
    id: string,
    schedule: ScheduleOptions,
    template: { name: string; data: unknown },
  ): Promise<void> {
    await this.removeSchedule(queue, id);
    this.scheduled.push({ queue, id, schedule, name: template.name, data: template.data });
  }

  async removeSchedule(queue: string, id: string): Promise<boolean> {
    const index = this.scheduled.findIndex((s) => s.queue === queue && s.id === id);
    if (index >= 0) this.scheduled.splice(index, 1);
    return index >= 0;
  }

  async schedules(queue: string): Promise<ScheduleInfo[]> {
    return this.scheduled
      .filter((s) => s.queue === queue)
      .map((s) => ({ id: s.id, name: s.name, every: s.schedule.every, cron: s.schedule.cron }));
  }

  work(queue: string, processor: Processor): WorkerHandle {
    this.processors.set(queue, processor);
    return { close: async () => void this.processors.delete(queue) };
  }

  /** Jobs dispatched for a job class (or a job name), in dispatch order. */
  dispatched<J extends Job<unknown, unknown>>(
    job: Type<J> | string,
  ): Array<FakeJob & { data: PayloadOf<J> }> {
    const name = typeof job === 'string' ? job : nameOf(job);
    return this.recorded.filter((j) => j.name === name) as Array<FakeJob & { data: PayloadOf<J> }>;
  }

  assertDispatched<J extends Job<unknown, unknown>>(
    job: Type<J>,
    matches?: (payload: PayloadOf<J>) => boolean,
  ): void {
    const found = this.dispatched(job).filter((j) => !matches || matches(j.data));
    if (found.length === 0) {
      throw new Error(
        `Expected ${nameOf(job)} to be dispatched${matches ? ' with a matching payload' : ''}. ${this.summary()}`,
      );
    }
  }

  assertDispatchedTimes<J extends Job<unknown, unknown>>(job: Type<J>, times: number): void {
    const count = this.dispatched(job).length;
    if (count !== times) {
      throw new Error(
        `Expected ${nameOf(job)} to be dispatched ${times} time(s), it was dispatched ${count}. ${this.summary()}`,
      );
    }
  }

  assertNotDispatched<J extends Job<unknown, unknown>>(
    job: Type<J>,
    matches?: (payload: PayloadOf<J>) => boolean,
  ): void {
    const found = this.dispatched(job).filter((j) => !matches || matches(j.data));
    if (found.length > 0) {
      throw new Error(
        `Expected ${nameOf(job)} not to be dispatched, found ${found.length}: ${JSON.stringify(found.map((j) => j.data))}.`,
      );
    }
  }

  assertNothingDispatched(): void {
    if (this.recorded.length > 0)
      throw new Error(`Expected no jobs to be dispatched. ${this.summary()}`);
  }

  /**
   * Run every pending job through its handler, children before parents, including jobs that
   * handlers dispatch meanwhile. Attempts are honoured without waiting for backoff.
   */
  async runAll(): Promise<FakeJob[]> {
    const ran: FakeJob[] = [];
    for (;;) {
      const next = this.recorded.find(
        (j) => j.state === 'pending' && j.children.every((c) => c.state === 'completed'),
      );
      if (!next) return ran;
      await this.runOne(next, false);
      ran.push(next);
    }
  }

  /** Forget everything recorded. */
  reset(): void {
    this.recorded.length = 0;
    this.scheduled.length = 0;
  }

  async counts(queue: string): Promise<JobCounts> {
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as JobCounts;
    for (const job of this.recorded) if (job.queue === queue) counts[stateOf(job)]++;
    return counts;
  }

  async jobs(queue: string, states: JobState[], start: number, end: number): Promise<JobInfo[]> {
    return this.recorded
      .filter((j) => j.queue === queue && states.includes(stateOf(j)))
      .slice(start, end + 1)
      .map(infoOf);
  }

  async job(queue: string, id: string): Promise<JobInfo | undefined> {
    const job = this.recorded.find((j) => j.queue === queue && j.id === id);
    return job && infoOf(job);
  }

  async retry(queue: string, id: string | 'all-failed'): Promise<number> {
    const jobs = this.recorded.filter(
      (j) => j.queue === queue && j.state === 'failed' && (id === 'all-failed' || j.id === id),
    );
    for (const job of jobs)
      Object.assign(job, { state: 'pending', attemptsMade: 0, error: undefined });
    return jobs.length;
  }

  async clear(queue: string, what: 'pending' | 'completed' | 'failed'): Promise<number> {
    const before = this.recorded.length;
    const kept = this.recorded.filter((j) => !(j.queue === queue && j.state === what));
    this.recorded.splice(0, this.recorded.length, ...kept);
    return before - kept.length;
  }

  async pause(): Promise<void> {}
  async resume(): Promise<void> {}
  async isPaused(): Promise<boolean> {
    return false;
  }
  async close(): Promise<void> {}

  private record(
    fields: Pick<FakeJob, 'queue' | 'name' | 'data' | 'opts'>,
    parent?: FakeJob,
  ): FakeJob {
    const job: FakeJob = {
      ...fields,
      data: JSON.parse(JSON.stringify(fields.data ?? null)),
      id: String(++this.nextId),
      state: 'pending',
      attemptsMade: 0,
      children: [],
      parent,
    };
    this.recorded.push(job);
    return job;
  }

  private async runOne(job: FakeJob, rethrow: boolean): Promise<void> {
    const processor = this.processors.get(job.queue);
    if (!processor) throw QueueMessages.fakeHasNoWorker(job.queue);
    const attempts = job.opts.attempts ?? 1;
    while (job.state === 'pending') {
      try {
        job.result = await processor(
          {
            id: job.id,
            queue: job.queue,
            name: job.name,
            data: job.data,
            attemptsMade: job.attemptsMade,
            updateProgress: async () => undefined,
            log: async () => undefined,
            childrenValues: async () =>
              Object.fromEntries(job.children.map((c) => [`${c.queue}:${c.id}`, c.result])),
          },
          NEVER_ABORTED,
        );
        job.attemptsMade++;
        job.state = 'completed';
      } catch (error) {
        job.attemptsMade++;
        job.error = error as Error;
        if (job.error.name === 'UnrecoverableError' || job.attemptsMade >= attempts) {
          job.state = 'failed';
          if (job.parent) job.parent.state = 'failed';
          if (rethrow) throw error;
        }
      }
    }
  }

  private summary(): string {
    if (this.recorded.length === 0) return 'Nothing was dispatched.';
    return `Dispatched: ${this.recorded.map((j) => `${j.name}(${JSON.stringify(j.data)})`).join(', ')}.`;
  }
}

const NEVER_ABORTED = new AbortController().signal;

function nameOf(job: Type<Job<unknown, unknown>>): string {
  return getJobDefinition(job)?.name ?? job.name;
}

function stateOf(job: FakeJob): JobState {
  return job.state === 'pending' ? 'waiting' : job.state;
}

function infoOf(job: FakeJob): JobInfo {
  return {
    id: job.id,
    queue: job.queue,
    name: job.name,
    data: job.data,
    state: stateOf(job),
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    progress: 0,
    returnValue: job.result,
    failedReason: job.error?.message,
    createdAt: 0,
  };
}
