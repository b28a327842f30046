import { Job, QueueJob, QueueManager, type DispatchedJob, type JobContext } from '@lattice/queue';
import { Injectable, Optional, type Type } from '@nestjs/common';
import { DEFAULT_EVENTS_QUEUE } from '../events.constants';
import type { AsyncListenerOptions, ListenerQueue, QueuedEvent } from '../events.interfaces';
import { EventsMessages } from '../events.messages';

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
export class QueuedListeners implements ListenerQueue {
  private readonly queues: QueueManager;
  private readonly listeners = new Map<string, AsyncListener>();

  constructor(@Optional() queues?: QueueManager) {
    if (!queues) throw EventsMessages.queueManagerMissing();
    this.queues = queues;
  }

  register(
    name: string,
    options: AsyncListenerOptions,
    run: (event: unknown) => unknown,
    revive: (queued: QueuedEvent) => unknown,
  ): void {
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
    this.queues.register(ListenerJob, new ListenerJob());
    this.listeners.set(name, { job: ListenerJob, name });
  }

  names(): string[] {
    return [...this.listeners.keys()];
  }

  async enqueue(listener: string, event: string, payload: unknown): Promise<DispatchedJob> {
    const registered = this.listeners.get(listener);
    if (!registered) throw EventsMessages.notAsyncListener(listener);
    let data: unknown;
    try {
      data = payload === undefined ? null : JSON.parse(JSON.stringify(payload));
    } catch (error) {
      throw EventsMessages.eventNotJson(event, listener, error);
    }
    return this.queues.dispatch(registered.job, { event, data });
  }
}
