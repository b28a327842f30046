/** Options of `ClusterQueueModule.forRoot()`. */
export interface ClusterQueueModuleOptions {
  /**
   * The queues whose jobs may be routed (`['ai']`). Each node runs a worker on its own routed
   * queue of each of them, for each capability it has, with the queue's handlers.
   */
  queues: string[];
  /**
   * How long the node that takes over a departed node's jobs keeps looking for them: jobs still
   * running there are moved once their lock expires (BullMQ's `lockDurationMs`), so this must be
   * longer than that (default 120 000 ms).
   */
  takeoverTimeoutMs?: number;
}

/** Options of `RoutedQueues.dispatch()`. */
export interface RoutedDispatchOptions {
  /** The capability the running node must advertise (`ClusterModule.forRoot({ capabilities })`). */
  capability: string;
  /**
   * Keeps related jobs on one node with the `consistent-hash` strategy (a conversation, a
   * document); other strategies ignore it.
   */
  key?: string;
  /** Run no sooner than this many ms from now. */
  delay?: number;
  /** 1 is the highest priority. */
  priority?: number;
  /** The job's id: while the node's queue holds a job with it, another dispatch adds nothing. */
  jobId?: string;
}

/** What `RoutedQueues.dispatch()` returns. */
export interface RoutedJob {
  id: string;
  /** The job's queue (`ai`). */
  queue: string;
  name: string;
  /** The node chosen to run it. */
  nodeId: string;
  /** The queue it waits in (`ai.gpu.<nodeId>`), or the queue itself in process. */
  routedQueue: string;
  duplicate: boolean;
}
