import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { WorkerProcessInfo } from './supervisor.interfaces';

/** What `WorkerPool` needs to start workers. */
export interface WorkerPoolOptions {
  /** Program and first arguments; `queue:work --queue <q>` is appended. */
  command: string[];
  concurrency?: number;
  env?: Record<string, string | undefined>;
  /** First restart delay after a crash; doubles per crash in a row, up to {@link MAX_RESTART_DELAY_MS}. */
  restartDelayMs: number;
}

/** Something the pool saw happen: the supervisor logs it. */
export type WorkerPoolEvent =
  | { type: 'started'; worker: WorkerProcessInfo }
  | { type: 'ready'; worker: WorkerProcessInfo }
  | {
      type: 'exited';
      worker: WorkerProcessInfo;
      code: number | null;
      signal: NodeJS.Signals | null;
      /** True when the pool had asked it to stop; false: a crash. */
      expected: boolean;
      /** The last lines it printed (for a crash report). */
      tail: string[];
    }
  | { type: 'restart'; queue: string; delayMs: number; crashes: number }
  | { type: 'output'; worker: WorkerProcessInfo; line: string };

/** The longest wait before restarting a worker that keeps crashing. */
export const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before it crashed starts the backoff over. */
const STABLE_AFTER_MS = 30_000;
const TAIL_LINES = 20;
/** What `lattice queue:work` prints once its workers take jobs. */
const READY_LINE = /^Working "/;
/**
 * A worker asked to stop before it printed the ready line gets SIGTERM this long after it
 * started at the latest (a --command that never prints the line still stops).
 */
const STARTUP_GRACE_MS = 60_000;

interface Worker {
  info: WorkerProcessInfo;
  child: ChildProcess;
  exited: Promise<void>;
  tail: string[];
  /** It printed the ready line: its SIGTERM handler is in place. */
  ready: boolean;
  /** Asked to stop while starting: SIGTERM once it is ready (or after {@link STARTUP_GRACE_MS}). */
  stopTimer?: NodeJS.Timeout;
  /** SIGTERM was sent. */
  signalled: boolean;
}

/**
 * The worker processes of `lattice queue:supervise`: each runs the app's own `queue:work` for one
 * queue. Scaling a queue down sends SIGTERM to its newest worker, which finishes its running jobs
 * and exits; a worker that exits unasked is restarted after a delay that doubles with each crash
 * in a row, and counts toward its queue meanwhile (so a crash loop does not read as "scale up").
 */
export class WorkerPool {
  private readonly workers = new Map<string, Worker>();
  private readonly restarts = new Map<string, NodeJS.Timeout[]>();
  private readonly crashes = new Map<string, number>();
  private readonly serial = new Map<string, number>();
  private closing = false;

  constructor(
    private readonly options: WorkerPoolOptions,
    private readonly onEvent: (event: WorkerPoolEvent) => void = () => undefined,
  ) {}

  /** Workers of the queue that take jobs or will soon: running, starting, and pending restarts. */
  count(queue: string): number {
    return this.live(queue).length + (this.restarts.get(queue)?.length ?? 0);
  }

  /** Workers finishing their last jobs after SIGTERM. */
  stopping(queue: string): number {
    return [...this.workers.values()].filter(
      (w) => w.info.queue === queue && w.info.state === 'stopping',
    ).length;
  }

  /** Crashed workers waiting for their restart. */
  restarting(queue: string): number {
    return this.restarts.get(queue)?.length ?? 0;
  }

  /** Every worker process, oldest first. */
  list(): WorkerProcessInfo[] {
    return [...this.workers.values()].map((w) => ({ ...w.info }));
  }

  /** Starts or stops workers until the queue has `n` (see {@link count}). */
  scaleTo(queue: string, n: number): void {
    if (this.closing) return;
    for (let have = this.count(queue); have < n; have++) this.start(queue);
    for (let have = this.count(queue); have > n; have--) {
      // Cheapest first: a restart not yet made, then the newest worker (likely still starting).
      const pending = this.restarts.get(queue);
      if (pending?.length) {
        clearTimeout(pending.pop());
        continue;
      }
      const newest = this.live(queue).at(-1);
      if (newest) this.stop(newest);
    }
  }

  /**
   * SIGTERM to every worker, then waits for them to exit (their jobs finish first). Past
   * `timeoutMs`, the ones left are killed; their ids are returned.
   */
  async close(timeoutMs: number): Promise<string[]> {
    this.closing = true;
    for (const timers of this.restarts.values()) timers.forEach(clearTimeout);
    this.restarts.clear();
    for (const worker of this.workers.values()) this.stop(worker);
    const all = Promise.all([...this.workers.values()].map((w) => w.exited));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return [];
    const killed = [...this.workers.values()];
    for (const worker of killed) worker.child.kill('SIGKILL');
    await Promise.all(killed.map((w) => w.exited));
    return killed.map((w) => w.info.id);
  }

  private live(queue: string): Worker[] {
    return [...this.workers.values()].filter(
      (w) => w.info.queue === queue && w.info.state !== 'stopping',
    );
  }

  private start(queue: string): void {
    const n = (this.serial.get(queue) ?? 0) + 1;
    this.serial.set(queue, n);
    const [program, ...first] = this.options.command;
    const args = [...first, 'queue:work', '--queue', queue];
    if (this.options.concurrency) args.push('--concurrency', String(this.options.concurrency));
    // Same process group: Ctrl+C on a terminal reaches the workers too, and they stop on it
    // as on SIGTERM; the supervisor sends SIGTERM itself when it is stopped by a signal.
    const child = spawn(program, args, {
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const info: WorkerProcessInfo = {
      id: `${queue}#${n}`,
      queue,
      pid: child.pid,
      state: 'starting',
      startedAt: Date.now(),
    };
    const worker: Worker = {
      info,
      child,
      tail: [],
      exited: Promise.resolve(),
      ready: false,
      signalled: false,
    };
    const lines = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        worker.tail.push(line);
        if (worker.tail.length > TAIL_LINES) worker.tail.shift();
        if (!worker.ready && READY_LINE.test(line)) {
          worker.ready = true;
          if (info.state === 'starting') info.state = 'running';
          else this.signal(worker);
          this.onEvent({ type: 'ready', worker: { ...info } });
        }
        this.onEvent({ type: 'output', worker: { ...info }, line });
      });
    lines(child.stdout!);
    lines(child.stderr!);
    worker.exited = new Promise<void>((resolve) => {
      let gone = false;
      const exit = (code: number | null, signal: NodeJS.Signals | null) => {
        if (gone) return;
        gone = true;
        this.exited(worker, code, signal);
        resolve();
      };
      child.once('close', exit);
      child.on('error', (error) => {
        worker.tail.push(String(error));
        // A program that cannot start (ENOENT) emits no 'close': it counts as a crash.
        if (child.pid === undefined) exit(null, null);
      });
    });
    this.workers.set(info.id, worker);
    this.onEvent({ type: 'started', worker: { ...info } });
  }

  private stop(worker: Worker): void {
    if (worker.info.state === 'stopping') return;
    worker.info.state = 'stopping';
    // A worker still starting may have taken a job before its SIGTERM handler is in place, and
    // SIGTERM would kill it outright: it gets the signal once it says it works.
    if (worker.ready) this.signal(worker);
    else
      worker.stopTimer = setTimeout(
        () => this.signal(worker),
        Math.max(0, worker.info.startedAt + STARTUP_GRACE_MS - Date.now()),
      );
  }

  private signal(worker: Worker): void {
    clearTimeout(worker.stopTimer);
    // Exactly one SIGTERM: queue:work listens once, a second one would kill it mid-job.
    if (worker.signalled) return;
    worker.signalled = true;
    if (worker.child.exitCode === null && worker.child.signalCode === null)
      worker.child.kill('SIGTERM');
  }

  private exited(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(worker.stopTimer);
    this.workers.delete(worker.info.id);
    const expected = worker.info.state === 'stopping';
    this.onEvent({
      type: 'exited',
      worker: { ...worker.info },
      code,
      signal,
      expected,
      tail: [...worker.tail],
    });
    if (expected || this.closing) return;
    const { queue } = worker.info;
    const ranFor = Date.now() - worker.info.startedAt;
    const crashes = ranFor >= STABLE_AFTER_MS ? 1 : (this.crashes.get(queue) ?? 0) + 1;
    this.crashes.set(queue, crashes);
    const delayMs = Math.min(
      this.options.restartDelayMs * 2 ** (crashes - 1),
      MAX_RESTART_DELAY_MS,
    );
    const timers = this.restarts.get(queue) ?? [];
    const timer = setTimeout(() => {
      const left = this.restarts.get(queue) ?? [];
      left.splice(left.indexOf(timer), 1);
      if (!this.closing) this.start(queue);
    }, delayMs);
    timers.push(timer);
    this.restarts.set(queue, timers);
    this.onEvent({ type: 'restart', queue, delayMs, crashes });
  }
}
