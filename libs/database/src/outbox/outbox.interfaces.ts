/** `OutboxModule.forRoot()` options. */
export interface OutboxModuleOptions {
  /** How often the relay looks for rows nobody woke it for (ms; default 1000). */
  pollIntervalMs?: number;
  /** Rows claimed per round (default 100). */
  batchSize?: number;
  /**
   * How long a claimed row is left to the node that claimed it (ms; default 15,000). A node
   * that died holding it leaves it pending; another node, or this one restarted, takes it
   * after this long.
   */
  leaseMs?: number;
  /** The first retry's delay after a failed delivery, doubled each time (ms; default 500). */
  retryDelayMs?: number;
  /** The longest delay between two tries of one row (ms; default 60,000). */
  maxRetryDelayMs?: number;
  /** A delivery that has not finished after this long counts as failed and is retried (ms; default 10,000). */
  deliveryTimeoutMs?: number;
  /** Delivered rows are deleted after this long (ms; default one hour). */
  keepDeliveredMs?: number;
  /** Start the relay on this node (default true; a node that only writes can leave it off). */
  relay?: boolean;
}

/** One row of the outbox, as a handler gets it. */
export interface OutboxMessage<Payload = unknown> {
  /** A UUID: the idempotency key the handler passes on (a job id, an event id). */
  id: string;
  topic: string;
  payload: Payload;
  /** 1 on the first delivery. */
  attempt: number;
  createdAt: Date;
}

/**
 * Delivers one row to where it goes (a state stream, a queue). Called at least once per row;
 * it must be idempotent on `message.id`. A throw is retried later with backoff.
 */
export type OutboxHandler<Payload = unknown> = (message: OutboxMessage<Payload>) => Promise<void>;
