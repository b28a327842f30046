import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
  type Type,
} from '@nestjs/common';
import { LatticeGauges } from '@lattice/core';
import { getJobDefinition, type JobDefinition } from './decorators/queue-job.decorator';
import type {
  AddOptions,
  FlowNode,
  Processor,
  ScheduleInfo,
  WorkerHandle,
} from './drivers/queue-driver';
import { QueueDriver } from './drivers/queue-driver';
import { Job, JobTimeoutError, type OnJobFailed, type PayloadOf } from './job';
import { CronExpressionParser } from 'cron-parser';
import { QUEUE_MODULE_OPTIONS, QUEUE_NAME_PATTERN } from './queue.constants';
import type {
  DispatchedJob,
  JobContext,
  JobCounts,
  JobInfo,
  JobState,
  QueueEventName,
  QueueEvents,
  QueueModuleOptions,
  ScheduleOptions,
} from './queue.interfaces';
import { QueueMessages } from './queue.messages';

const MAX_PRIORITY = 2_097_152; // BullMQ's limit

interface Registered {
  type: Type<Job<unknown, unknown>>;
  definition: JobDefinition;
  instance: Job<unknown, unknown>;
}

/** One step of a chain or node of a flow. */
export interface JobStep<J extends Job<unknown, unknown> = Job<unknown, unknown>> {
  job: Type<J>;
  payload: PayloadOf<J>;
  delay?: number;
  priority?: number;
}

export interface FlowStep<
  J extends Job<unknown, unknown> = Job<unknown, unknown>,
> extends JobStep<J> {
  /** Run first; this job runs once all of them completed and fails if one of them fails. */
  children?: FlowStep[];
}

type Listener<E extends QueueEventName> = (event: QueueEvents[E]) => void | Promise<void>;

/**
 * Dispatches jobs, runs the workers of this process and answers questions about queues.
 * The same API on the in-process driver and on BullMQ.
 *
 * @example
 * await this.queues.dispatch(SendWelcomeMail, { userId: 1 }).delay(60_000);
 */
@Injectable()
export class QueueManager implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private readonly byType = new Map<Type, Registered>();
  private readonly byQueue = new Map<string, Map<string, Registered>>();
  private readonly listeners = new Map<
    QueueEventName,
    Set<(event: unknown) => void | Promise<void>>
  >();
  private readonly workers = new Map<string, WorkerHandle>();
  /** Jobs this process is running now (the `lattice_queue_jobs_active` gauge). */
  private jobsActive = 0;
  private closing = false;

  constructor(
    readonly driver: QueueDriver,
    @Inject(QUEUE_MODULE_OPTIONS) private readonly options: QueueModuleOptions,
    /** Core's gauges (LatticeModule is global); cluster membership and metrics read them. */
    @Optional() gauges?: LatticeGauges,
  ) {
    driver.events = (event, payload) => this.emit(event, payload);
    gauges?.register({
      name: 'lattice_queue_jobs_active',
      help: 'Queue jobs running in this process',
      read: () => this.jobsActive,
    });
    for (const queue of Object.keys(options.queues ?? {})) assertQueueName(queue);
  }

  /** `memory`, `bullmq` or `fake`. */
  get driverKind(): QueueDriver['kind'] {
    return this.driver.kind;
  }

  /** Called by the explorer for every `@QueueJob` provider. */
  register(type: Type<Job<unknown, unknown>>, instance: Job<unknown, unknown>): void {
    const definition = getJobDefinition(type)!;
    assertQueueName(definition.queue);
    const names = this.byQueue.get(definition.queue) ?? new Map<string, Registered>();
    const existing = names.get(definition.name);
    if (existing && existing.type !== type) {
      throw QueueMessages.duplicateJob(
        definition.name,
        definition.queue,
        existing.type.name,
        type.name,
      );
    }
    const entry = { type, definition, instance };
    names.set(definition.name, entry);
    this.byQueue.set(definition.queue, names);
    this.byType.set(type, entry);
  }

  /** Every queue this application knows: configured ones and those named by job classes. */
  queueNames(): string[] {
    return [...new Set([...Object.keys(this.options.queues ?? {}), ...this.byQueue.keys()])].sort();
  }

  /** Job classes registered for a queue. */
  jobNames(queue: string): string[] {
    return [...(this.byQueue.get(queue)?.keys() ?? [])];
  }

  /** Start a dispatch; chain options, then await it (or not). */
  dispatch<J extends Job<unknown, unknown>>(job: Type<J>, payload: PayloadOf<J>): PendingDispatch {
    return new PendingDispatch(this, this.definitionOf(job), payload);
  }

  /** Run jobs one after another; a failure stops the chain. Resolves with the last job. */
  async chain(steps: JobStep[]): Promise<DispatchedJob> {
    if (steps.length === 0) throw QueueMessages.emptyChain();
    // A chain is a flow where each job is the parent of the one before it.
    let node: FlowStep | undefined;
    for (const step of steps) node = { ...step, children: node ? [node] : undefined };
    return this.flow(node!);
  }

  /** Run `children` first (in parallel), then the job itself, which can read their results. */
  async flow(root: FlowStep): Promise<DispatchedJob> {
    const toNode = (step: FlowStep): FlowNode => {
      const definition = this.definitionOf(step.job);
      return {
        queue: definition.queue,
        name: definition.name,
        data: serialisable(definition.name, step.payload),
        opts: this.addOptions(definition, { delay: step.delay, priority: step.priority }),
        children: step.children?.map(toNode),
      };
    };
    const node = toNode(root);
    const added = await this.driver.addFlow(node);
    return { id: added.id, queue: node.queue, name: node.name, duplicate: false };
  }

  /**
   * Run a job on a schedule (BullMQ job schedulers, or timers in process). Upserting the
   * same id replaces the schedule, so calling this at every boot is safe.
   */
  async schedule<J extends Job<unknown, unknown>>(
    id: string,
    job: Type<J>,
    payload: PayloadOf<J>,
    schedule: ScheduleOptions,
  ): Promise<void> {
    const definition = this.definitionOf(job);
    validateSchedule(id, schedule);
    await this.driver.upsertSchedule(definition.queue, id, schedule, {
      name: definition.name,
      data: serialisable(definition.name, payload),
      opts: this.addOptions(definition, {}),
    });
  }

  async unschedule(queue: string, id: string): Promise<boolean> {
    return this.driver.removeSchedule(this.known(queue), id);
  }

  async schedules(queue: string): Promise<ScheduleInfo[]> {
    return this.driver.schedules(this.known(queue));
  }

  /** Listen to worker events of this process; returns a function that stops listening. */
  on<E extends QueueEventName>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    const untyped = listener as (event: unknown) => void | Promise<void>;
    set.add(untyped);
    this.listeners.set(event, set);
    return () => set.delete(untyped);
  }

  counts(queue: string): Promise<JobCounts> {
    return this.driver.counts(this.known(queue));
  }

  jobs(queue: string, states: JobState[], start = 0, end = 49): Promise<JobInfo[]> {
    return this.driver.jobs(this.known(queue), states, start, end);
  }

  job(queue: string, id: string): Promise<JobInfo | undefined> {
    return this.driver.job(this.known(queue), id);
  }

  retry(queue: string, id: string | 'all-failed'): Promise<number> {
    return this.driver.retry(this.known(queue), id);
  }

  clear(queue: string, what: 'pending' | 'completed' | 'failed' = 'pending'): Promise<number> {
    return this.driver.clear(this.known(queue), what);
  }

  pause(queue: string): Promise<void> {
    return this.driver.pause(this.known(queue));
  }

  resume(queue: string): Promise<void> {
    return this.driver.resume(this.known(queue));
  }

  isPaused(queue: string): Promise<boolean> {
    return this.driver.isPaused(this.known(queue));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.worker === false) return;
    await this.startWorkers();
  }

  /**
   * Start workers for the given queues (default: every queue with job classes) and the
   * schedules declared on their job classes. `lattice queue:work` calls this.
   */
  async startWorkers(options: { queues?: string[]; concurrency?: number } = {}): Promise<string[]> {
    const queues = options.queues?.map((q) => this.known(q)) ?? [...this.byQueue.keys()];
    for (const queue of queues) {
      if (this.workers.has(queue)) continue;
      const concurrency = options.concurrency ?? this.concurrencyOf(queue);
      this.workers.set(queue, this.driver.work(queue, this.processorFor(queue), { concurrency }));
    }
    for (const { definition, type } of this.byType.values()) {
      if (!definition.schedule || !queues.includes(definition.queue)) continue;
      const { payload, ...schedule } = definition.schedule;
      const id = `${definition.queue}:${definition.name}`;
      // In the background: a Redis outage at boot must not hold the application's start.
      this.schedule(id, type, payload as never, schedule).catch((error: unknown) =>
        this.logger.warn(`Schedule "${id}" was not registered: ${String(error)}`),
      );
    }
    return queues;
  }

  /**
   * Runs the job classes of `queue` on jobs stored under another name, `source` (with the
   * queue's concurrency): the per-node queues of `@lattice/cluster/queue` hold ordinary jobs of
   * `queue` routed to one node, and the same handlers serve them. Closed with the other workers.
   * False when this process runs no workers (`worker: false`) or already works `source`.
   */
  startWorkerAs(queue: string, source: string): boolean {
    if (this.options.worker === false || this.closing || this.workers.has(source)) return false;
    const concurrency = this.concurrencyOf(queue);
    this.workers.set(source, this.driver.work(source, this.processorFor(queue), { concurrency }));
    return true;
  }

  /** Finish running jobs (up to the shutdown timeout), take no new ones. */
  async stopWorkers(): Promise<void> {
    const timeout = this.options.shutdownTimeoutMs ?? 30_000;
    const handles = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(handles.map((handle) => handle.close(timeout)));
  }

  /** Before connections close: workers first, so running jobs can still reach Redis and the database. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.stopWorkers();
    await this.driver.close();
  }

  /** Concurrency: configuration first, then the largest any job of the queue asks for, then 1. */
  concurrencyOf(queue: string): number {
    const configured = this.options.queues?.[queue]?.concurrency;
    if (configured !== undefined) return configured;
    const asked = [...(this.byQueue.get(queue)?.values() ?? [])].map(
      (r) => r.definition.concurrency ?? 1,
    );
    return Math.max(1, ...asked);
  }

  /** @internal used by PendingDispatch */
  async send(
    definition: JobDefinition,
    payload: unknown,
    opts: DispatchOptions,
  ): Promise<DispatchedJob> {
    const data = serialisable(definition.name, payload);
    const added = await this.driver.add(
      definition.queue,
      definition.name,
      data,
      this.addOptions(definition, opts),
    );
    return {
      id: added.id,
      queue: definition.queue,
      name: definition.name,
      duplicate: added.duplicate,
    };
  }

  private addOptions(definition: JobDefinition, opts: DispatchOptions): AddOptions {
    return {
      delay: opts.delay,
      priority: opts.priority,
      uniqueId: opts.uniqueId,
      jobId: opts.jobId,
      attempts: definition.attempts,
      backoff: definition.backoff,
    };
  }

  private definitionOf(job: Type<Job<unknown, unknown>>): JobDefinition {
    const definition = getJobDefinition(job);
    if (!definition) throw QueueMessages.notAJob(job?.name ?? String(job));
    // In process, an unregistered class can never run; with BullMQ another process may run it.
    if (this.driver.kind === 'memory' && !this.byType.has(job)) {
      throw QueueMessages.jobNotProvided(job.name, definition.queue);
    }
    return definition;
  }

  private known(queue: string): string {
    const names = this.queueNames();
    if (!names.includes(queue)) throw QueueMessages.queueUnknown(queue, names);
    return queue;
  }

  private processorFor(queue: string): Processor {
    return async (running, workerSignal) => {
      const registered = this.byQueue.get(queue)?.get(running.name);
      if (!registered) {
        const error = QueueMessages.handlerMissing(queue, running.name, this.jobNames(queue));
        error.name = 'UnrecoverableError'; // retrying cannot help
        throw error;
      }
      const { definition, instance } = registered;
      // Most jobs never read their signal; an AbortController per job is measurable at
      // tens of thousands of jobs a second, so it is made on first use.
      let controller: AbortController | undefined;
      const signal = (): AbortSignal => {
        if (!controller) {
          const own = new AbortController();
          controller = own;
          if (workerSignal.aborted) own.abort(workerSignal.reason);
          else
            workerSignal.addEventListener('abort', () => own.abort(workerSignal.reason), {
              once: true,
            });
        }
        return controller.signal;
      };
      const context: JobContext = {
        id: running.id,
        queue,
        name: running.name,
        attempt: running.attemptsMade + 1,
        get signal() {
          return signal();
        },
        progress: (value) => running.updateProgress(value),
        log: (line) => running.log(line),
        childrenResults: () => running.childrenValues(),
      };
      let timer: NodeJS.Timeout | undefined;
      this.jobsActive++;
      try {
        const work = Promise.resolve().then(() => instance.handle(running.data, context));
        if (!definition.timeout) return await work;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new JobTimeoutError(
              `${definition.name}#${running.id}`,
              definition.timeout!,
            );
            controller?.abort(error);
            reject(error);
          }, definition.timeout);
        });
        return await Promise.race([work, timeout]);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        const last =
          failure.name === 'UnrecoverableError' || context.attempt >= definition.attempts;
        if (last) await this.lastFailure(instance, running.data, failure, context);
        throw failure;
      } finally {
        clearTimeout(timer);
        this.jobsActive--;
      }
    };
  }

  private async lastFailure(
    instance: Job & Partial<OnJobFailed>,
    payload: unknown,
    error: Error,
    context: JobContext,
  ): Promise<void> {
    this.logger.warn(
      `Job ${context.name}#${context.id} on queue "${context.queue}" failed for good after ${context.attempt} attempt(s): ${error.message}`,
    );
    try {
      await instance.failed?.(payload, error, context);
    } catch (hookError) {
      this.logger.error(`${context.name}.failed() threw: ${String(hookError)}`);
    }
  }

  private emit<E extends QueueEventName>(event: E, payload: QueueEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      Promise.resolve()
        .then(() => listener(payload))
        .catch((error: unknown) =>
          this.logger.error(`A "${event}" queue listener threw: ${String(error)}`),
        );
    }
  }
}

export interface DispatchOptions {
  delay?: number;
  priority?: number;
  uniqueId?: string;
  /** The job's id: a second dispatch with an id the queue still holds adds nothing. */
  jobId?: string;
}

/**
 * A dispatch being described. Nothing is sent until it is awaited (or `.then` is called):
 * `await queues.dispatch(Job, payload).delay(5000).priority(1).unique('answer:7')`.
 */
export class PendingDispatch implements PromiseLike<DispatchedJob> {
  private readonly opts: DispatchOptions = {};
  private sent: Promise<DispatchedJob> | undefined;

  constructor(
    private readonly manager: QueueManager,
    private readonly definition: JobDefinition,
    private readonly payload: unknown,
  ) {}

  /** Run no sooner than `ms` milliseconds from now. */
  delay(ms: number): this {
    if (!Number.isFinite(ms) || ms < 0) {
      throw QueueMessages.optionInvalid(
        this.definition.name,
        'delay',
        ms,
        'a number of milliseconds ≥ 0',
      );
    }
    this.opts.delay = ms;
    return this;
  }

  /** Run no sooner than `date` (a past date means now). */
  at(date: Date): this {
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw QueueMessages.optionInvalid(this.definition.name, 'at', date, 'a valid Date');
    }
    this.opts.delay = Math.max(0, date.getTime() - Date.now());
    return this;
  }

  /** 1 is the highest priority. Jobs without a priority go before prioritized ones (BullMQ's rule). */
  priority(level: number): this {
    if (!Number.isInteger(level) || level < 1 || level > MAX_PRIORITY) {
      throw QueueMessages.optionInvalid(
        this.definition.name,
        'priority',
        level,
        `an integer from 1 to ${MAX_PRIORITY}`,
      );
    }
    this.opts.priority = level;
    return this;
  }

  /** While a job with this id is waiting, delayed or running, further dispatches are dropped. */
  unique(id: string): this {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
      throw QueueMessages.optionInvalid(
        this.definition.name,
        'unique',
        id,
        'a string of 1 to 200 characters',
      );
    }
    this.opts.uniqueId = id;
    return this;
  }

  /**
   * The job's own id (BullMQ's jobId): while the queue holds a job with this id, another
   * dispatch with it adds nothing and answers `duplicate: true`. For idempotent dispatches
   * such as an outbox relay's (`@lattice/queue/outbox`).
   */
  id(jobId: string): this {
    if (typeof jobId !== 'string' || !/^[\w.-]{1,200}$/.test(jobId) || /^\d+$/.test(jobId)) {
      throw QueueMessages.optionInvalid(
        this.definition.name,
        'id',
        jobId,
        'a string of 1 to 200 letters, digits, "_", "." or "-", not only digits',
      );
    }
    this.opts.jobId = jobId;
    return this;
  }

  then<A = DispatchedJob, B = never>(
    onFulfilled?: ((value: DispatchedJob) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.sent ??= this.manager.send(this.definition, this.payload, this.opts);
    return this.sent.then(onFulfilled, onRejected);
  }

  catch<B = never>(
    onRejected: (reason: unknown) => B | PromiseLike<B>,
  ): Promise<DispatchedJob | B> {
    return this.then(undefined, onRejected);
  }
}

function assertQueueName(queue: string): void {
  if (!QUEUE_NAME_PATTERN.test(queue)) throw QueueMessages.queueNameInvalid(queue);
}

function serialisable(job: string, payload: unknown): unknown {
  try {
    const json = JSON.stringify(payload ?? null);
    if (json === undefined) throw new Error('it has no JSON form');
    return payload ?? null;
  } catch (error) {
    throw QueueMessages.payloadInvalid(job, error);
  }
}

function validateSchedule(id: string, schedule: ScheduleOptions): void {
  const { every, cron } = schedule;
  if ((every === undefined) === (cron === undefined)) {
    throw QueueMessages.scheduleInvalid(id, 'it needs exactly one of every and cron');
  }
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) {
    throw QueueMessages.scheduleInvalid(
      id,
      `every must be a whole number of milliseconds ≥ 1, got ${every}`,
    );
  }
  if (cron !== undefined) {
    try {
      // cron-parser is what BullMQ uses too, so a pattern valid here is valid there.
      CronExpressionParser.parse(cron, { tz: schedule.tz ?? 'UTC' });
    } catch (error) {
      throw QueueMessages.scheduleInvalid(
        id,
        `cron "${cron}" does not parse (${(error as Error).message})`,
      );
    }
  }
  if (schedule.limit !== undefined && (!Number.isInteger(schedule.limit) || schedule.limit < 1)) {
    throw QueueMessages.scheduleInvalid(
      id,
      `limit must be a whole number ≥ 1, got ${schedule.limit}`,
    );
  }
}
