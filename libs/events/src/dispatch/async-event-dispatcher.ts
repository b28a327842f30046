import { Job, type JobContext, QueueJob, QueueManager, type DispatchedJob } from '@lattice/queue';
import { Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DEFAULT_EVENTS_QUEUE } from '../events.constants';
import type { AsyncListenerOptions } from '../events.interfaces';
import { EventsMessages } from '../events.messages';

/** What an async listener's job carries: the event's name and its fields as JSON. */
export interface QueuedEvent {
  event: string;
  data: unknown;
}

interface AsyncListener {
  job: Type<Job<QueuedEvent>>;
  name: string;
}

/**
 * Runs listeners marked `{ async }` as @lattice/queue jobs: each such listener gets a job
 * (`events.<Class>.<method>` on the `events` queue), so the event survives a restart (BullMQ
 * with REDIS_URL) and a failing listener is retried with backoff while the others are done.
 */
@Injectable()
export class AsyncEventDispatcher {
  private queues: QueueManager | undefined;
  private readonly listeners = new Map<string, AsyncListener>();

  constructor(private readonly moduleRef: ModuleRef) {}

  /**
   * Called by the explorer for each async listener. `revive` turns the queued JSON back into
   * the event object (an instance of the event class when there is one).
   */
  register(
    name: string,
    options: AsyncListenerOptions,
    run: (event: unknown) => unknown,
    revive: (queued: QueuedEvent) => unknown,
  ): void {
    const queues = this.queueManager(name);
    const jobName = `events.${name}`;
    // A job class per listener, so each keeps its own attempts, backoff and timeout.
    class ListenerJob extends Job<QueuedEvent> {
      async handle(queued: QueuedEvent, _context: JobContext): Promise<void> {
        await run(revive(queued));
      }
    }
    Object.defineProperty(ListenerJob, 'name', { value: jobName });
    QueueJob({
      name: jobName,
      queue: options.queue ?? DEFAULT_EVENTS_QUEUE,
      attempts: options.attempts ?? 3,
      backoff: options.backoff ?? { type: 'exponential', delay: 1000 },
      timeout: options.timeout,
    })(ListenerJob);
    queues.register(ListenerJob, new ListenerJob());
    this.listeners.set(name, { job: ListenerJob, name });
  }

  /** Names of the listeners that run as jobs. */
  names(): string[] {
    return [...this.listeners.keys()];
  }

  /** Queues the event for one async listener. */
  async enqueue(listener: string, event: string, payload: unknown): Promise<DispatchedJob> {
    const registered = this.listeners.get(listener);
    if (!registered) throw new Error(`Listener ${listener} is not an async listener.`);
    let data: unknown;
    try {
      data = payload === undefined ? null : JSON.parse(JSON.stringify(payload));
    } catch (error) {
      throw EventsMessages.eventNotJson(event, listener, error);
    }
    return this.queueManager(listener).dispatch(registered.job, { event, data });
  }

  private queueManager(listener: string): QueueManager {
    if (this.queues) return this.queues;
    let found: QueueManager;
    try {
      found = this.moduleRef.get(QueueManager, { strict: false });
    } catch {
      throw EventsMessages.queueMissing(listener);
    }
    return (this.queues = found);
  }
}
