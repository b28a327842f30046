import type { QueueLoadSource } from './queue-load.source';
import { planScale, formatWait } from './scale-policy';
import type {
  QueueLoad,
  QueueStatus,
  QueueSupervisorOptions,
  ScaleState,
} from './supervisor.interfaces';
import type { SupervisorReporter } from './supervisor.reporter';
import { WorkerPool, type WorkerPoolEvent } from './worker-pool';

/**
 * The loop of `lattice queue:supervise`: every `intervalMs` it reads each queue's load, asks the
 * policy (`planScale`) for the worker counts, starts or stops worker processes (`WorkerPool`)
 * and reports every decision with its reason. `stop()` stops the workers gracefully.
 *
 * @example
 * const supervisor = new QueueSupervisor(options, queueManagerLoad(queues), reporter);
 * await supervisor.start();
 * process.once('SIGTERM', () => void supervisor.stop());
 */
export class QueueSupervisor {
  private readonly pool: WorkerPool;
  private readonly state: ScaleState = { workers: {}, lastScaledAt: {} };
  private readonly loads = new Map<string, QueueLoad>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** The queues whose load could not be read last time (logged once per outage). */
  private readonly unreadable = new Set<string>();

  constructor(
    private readonly options: QueueSupervisorOptions,
    private readonly source: QueueLoadSource,
    private readonly reporter: SupervisorReporter,
  ) {
    this.pool = new WorkerPool(
      {
        command: options.command,
        concurrency: options.concurrency,
        env: options.env,
        restartDelayMs: options.restartDelayMs,
      },
      (event) => this.onPoolEvent(event),
    );
  }

  /** Starts each queue's minimum of workers and the scaling loop. */
  async start(): Promise<void> {
    const ranges = this.options.queues.map((q) => `${q.queue} ${q.min}..${q.max}`).join(', ');
    this.reporter.event(
      'start',
      `Supervising ${ranges} (at most ${this.options.maxProcesses} processes, cool-down ${formatWait(this.options.cooldownMs)}): ${this.options.command.join(' ')} queue:work`,
      { queues: this.options.queues, maxProcesses: this.options.maxProcesses },
    );
    await this.tick();
  }

  /** Each queue as the status shows it. */
  status(): QueueStatus[] {
    const workers = this.pool.list();
    return this.options.queues.map((range) => ({
      ...range,
      ...(this.loads.get(range.queue) ?? { waiting: 0, active: 0 }),
      workers: this.pool.count(range.queue),
      starting: workers.filter((w) => w.queue === range.queue && w.state === 'starting').length,
      stopping: this.pool.stopping(range.queue),
      restarting: this.pool.restarting(range.queue),
      pids: workers
        .filter((w) => w.queue === range.queue && w.state !== 'stopping' && w.pid !== undefined)
        .map((w) => w.pid!),
    }));
  }

  /**
   * Stops scaling, sends SIGTERM to every worker and waits until they have finished their
   * running jobs (at most `stopTimeoutMs`, then they are killed). Returns the ids of the killed.
   */
  async stop(): Promise<string[]> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    const count = this.pool.list().length;
    this.reporter.event(
      'stopping',
      `Stopping ${count} worker${count === 1 ? '' : 's'}: they finish their running jobs first.`,
    );
    const killed = await this.pool.close(this.options.stopTimeoutMs);
    this.reporter.close();
    return killed;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.ticking = this.scale();
    await this.ticking;
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
  }

  private async scale(): Promise<void> {
    await Promise.all(this.options.queues.map(({ queue }) => this.read(queue)));
    if (this.stopped) return;
    const now = Date.now();
    for (const { queue } of this.options.queues) this.state.workers[queue] = this.pool.count(queue);
    const plan = planScale(this.options, this.state, Object.fromEntries(this.loads), now);
    for (const decision of plan.decisions) {
      this.pool.scaleTo(decision.queue, decision.to);
      this.state.lastScaledAt[decision.queue] = now;
      this.reporter.decision(decision);
    }
    this.reporter.status(this.status());
  }

  /** A queue whose load cannot be read (Redis down) keeps its workers and its last load. */
  private async read(queue: string): Promise<void> {
    try {
      this.loads.set(queue, await this.source.read(queue));
      if (this.unreadable.delete(queue))
        this.reporter.event('load-read', `${queue}: its load can be read again.`, { queue });
    } catch (error) {
      if (this.unreadable.has(queue)) return;
      this.unreadable.add(queue);
      this.reporter.event(
        'load-unreadable',
        `${queue}: cannot read its load (${error instanceof Error ? error.message : String(error)}); keeping ${this.pool.count(queue)} workers until it can.`,
        { queue },
      );
    }
  }

  private onPoolEvent(event: WorkerPoolEvent): void {
    switch (event.type) {
      case 'started':
        this.reporter.event(
          'worker-started',
          `${event.worker.id} started (pid ${event.worker.pid})`,
          {
            worker: event.worker,
          },
        );
        break;
      case 'exited': {
        const how = event.signal ? `signal ${event.signal}` : `code ${event.code}`;
        if (event.expected) {
          this.reporter.event('worker-stopped', `${event.worker.id} stopped (${how})`, {
            worker: event.worker,
            code: event.code,
            signal: event.signal,
          });
          break;
        }
        const ran = formatWait(Date.now() - event.worker.startedAt);
        const tail = event.tail.slice(-5);
        this.reporter.event(
          'worker-crashed',
          `${event.worker.id} exited unexpectedly with ${how} after ${ran}${tail.length ? `; its last lines:\n  ${tail.join('\n  ')}` : ''}`,
          { worker: event.worker, code: event.code, signal: event.signal, tail },
        );
        break;
      }
      case 'restart':
        this.reporter.event(
          'worker-restart',
          `${event.queue}: restarting a worker in ${formatWait(event.delayMs)} (crash ${event.crashes} in a row)`,
          { queue: event.queue, delayMs: event.delayMs, crashes: event.crashes },
        );
        break;
      case 'output':
        if (this.options.workerOutput)
          this.reporter.event('worker-output', `[${event.worker.id}] ${event.line}`, {
            worker: event.worker.id,
          });
        break;
      case 'ready':
        this.reporter.event(
          'worker-ready',
          `${event.worker.id} works, ${formatWait(Date.now() - event.worker.startedAt)} after it started`,
          { worker: event.worker },
        );
        break;
    }
  }
}
