/** How many worker processes one queue may have. */
export interface QueueWorkerRange {
  queue: string;
  /** Kept running even when the queue is empty (at least 0). */
  min: number;
  /** Never more than this, however long the backlog. */
  max: number;
}

/** What the supervisor reads about a queue on each tick. */
export interface QueueLoad {
  /** Jobs waiting to be taken (waiting + prioritized; delayed jobs are not due yet). */
  waiting: number;
  /** Jobs running now, on any worker. */
  active: number;
  /**
   * How long the oldest waiting job has waited, in milliseconds; undefined when nothing waits or
   * the driver cannot tell.
   */
  oldestWaitMs?: number;
}

/** The knobs of the scaling policy (`planScale`). */
export interface ScalePolicy {
  /** Per queue: min and max workers. */
  queues: QueueWorkerRange[];
  /** Worker processes across all queues; the spare ones go to the queues with the most backlog. */
  maxProcesses: number;
  /** Waiting jobs one worker is expected to keep up with: the backlog asks for ⌈waiting / this⌉ workers. */
  backlogPerWorker: number;
  /** When the oldest waiting job is older than this, the queue gets one more worker than it has. */
  maxWaitMs: number;
  /** A queue changes its worker count at most once per cool-down. */
  cooldownMs: number;
  /** Workers added to a queue in one step (removal is always one at a time). */
  maxShift: number;
}

/** What the policy remembers between ticks: per queue, the time of its last change. */
export interface ScaleState {
  /** Workers per queue now (running, starting, or waiting for a restart after a crash). */
  workers: Record<string, number>;
  /** Epoch milliseconds of the queue's last scale step; absent: never scaled. */
  lastScaledAt: Record<string, number>;
}

/** One change the policy decided, with the figures that made it. */
export interface ScaleDecision {
  queue: string;
  from: number;
  to: number;
  /** Why, in words: "240 waiting, oldest 4.2 s". */
  reason: string;
}

/** The policy's answer: workers per queue after this tick, and the changes among them. */
export interface ScalePlan {
  workers: Record<string, number>;
  decisions: ScaleDecision[];
}

/** One worker process, as the status shows it. */
export interface WorkerProcessInfo {
  /** `<queue>#<n>`, n counting up per queue from 1. */
  id: string;
  queue: string;
  pid: number | undefined;
  /** starting: spawned, not yet working; running; stopping: SIGTERM sent, finishing its jobs. */
  state: 'starting' | 'running' | 'stopping';
  startedAt: number;
}

/** A queue in the supervisor's status (`--json` prints it as is). */
export interface QueueStatus extends QueueWorkerRange, QueueLoad {
  /** Worker processes taking jobs or starting up (and crashed ones waiting for their restart). */
  workers: number;
  /** Of those, the ones still starting (not yet taking jobs). */
  starting: number;
  /** Workers of this queue that are finishing their last jobs. */
  stopping: number;
  /** Crashed workers waiting for their restart. */
  restarting: number;
  /** Process ids of the queue's workers (running and starting). */
  pids: number[];
}

/** Options of `QueueSupervisor` (what `lattice queue:supervise` parses from its command line). */
export interface QueueSupervisorOptions extends ScalePolicy {
  /**
   * The worker command before `queue:work --queue <q>`: the program and its first arguments,
   * e.g. `['/usr/bin/node', '/app/dist/src/cli.js']`.
   */
  command: string[];
  /** Passed on as `queue:work --concurrency`; absent: the queue's configured concurrency. */
  concurrency?: number;
  /** How often the queues are read and the policy runs, in milliseconds. */
  intervalMs: number;
  /** After SIGTERM, how long workers get to finish their jobs before they are killed. */
  stopTimeoutMs: number;
  /** The first restart delay after a crash; it doubles with each crash in a row, up to 30 s. */
  restartDelayMs: number;
  /** Extra environment of the workers (the supervisor's own is passed on). */
  env?: Record<string, string | undefined>;
  /** Print every line the workers print, prefixed with the worker's id (default: only crashes show their last lines). */
  workerOutput?: boolean;
}
