import type { QueueManager } from '@lattice/queue';
import type { QueueLoad } from './supervisor.interfaces';

/** Where the supervisor reads a queue's load. */
export interface QueueLoadSource {
  read(queue: string): Promise<QueueLoad>;
}

/**
 * A queue's load from `QueueManager`: two cheap reads per queue per tick, the job counts and the
 * oldest waiting job. BullMQ pushes new jobs on the left of its wait list and workers take from
 * the right, so the oldest is the last element (index -1, one LRANGE and one HGETALL). Its age
 * counts from when it was added: a delayed job's wait includes its delay.
 */
export function queueManagerLoad(queues: Pick<QueueManager, 'counts' | 'jobs'>): QueueLoadSource {
  return {
    async read(queue) {
      const counts = await queues.counts(queue);
      const waiting = counts.waiting + counts.prioritized;
      let oldestWaitMs: number | undefined;
      if (counts.waiting > 0) {
        const [oldest] = await queues.jobs(queue, ['waiting'], -1, -1);
        if (oldest) oldestWaitMs = Math.max(0, Date.now() - oldest.createdAt);
      }
      return { waiting, active: counts.active, oldestWaitMs };
    },
  };
}
