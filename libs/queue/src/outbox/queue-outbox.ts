import { Outbox } from '@lattice/database/outbox';
import { Injectable, type Type } from '@nestjs/common';
import { getJobDefinition, type JobDefinition } from '../decorators/queue-job.decorator';
import type { Job, PayloadOf } from '../job';
import { QueueMessages } from '../queue.messages';

/** The outbox topic of queued jobs. */
export const QUEUE_OUTBOX_TOPIC = 'lattice.queue';

/** What a queue outbox row holds. */
export interface QueueOutboxPayload {
  definition: JobDefinition;
  payload: unknown;
  delay?: number;
}

/**
 * Jobs that are never dropped: `dispatch()` writes the job as an outbox row in the current
 * transaction (so it exists exactly when the rows it is about do), and the relay adds it to the
 * queue after the commit, retrying while Redis is unreachable. The row id is the job's id, so
 * a row relayed twice is one job.
 *
 * @example
 * @Transactional()
 * async answer(...) {
 *   const answer = await this.answers.create({ ... });
 *   await this.queueOutbox.dispatch(NotifyQuestionAuthor, { answerId: answer.id });
 * }
 */
@Injectable()
export class QueueOutbox {
  constructor(private readonly outbox: Outbox) {}

  /** Writes the job to the outbox; returns the row id, which becomes the job's id. */
  async dispatch<J extends Job<unknown, unknown>>(
    job: Type<J>,
    payload: PayloadOf<J>,
    options: { delay?: number } = {},
  ): Promise<string> {
    const definition = getJobDefinition(job);
    if (!definition) throw QueueMessages.notAJob(job?.name ?? String(job));
    const row: QueueOutboxPayload = { definition, payload, delay: options.delay };
    return this.outbox.add(QUEUE_OUTBOX_TOPIC, row);
  }
}
