import { OutboxRelay } from '@lattice/database/outbox';
import { Module, OnModuleInit } from '@nestjs/common';
import { QueueManager } from '../queue-manager';
import { QUEUE_OUTBOX_TOPIC, QueueOutbox, type QueueOutboxPayload } from './queue-outbox';

/**
 * `QueueOutbox` and the relay's handler for job rows: each is added to its queue with the row
 * id as the job id (BullMQ adds nothing for an id it still holds). While Redis is down the add
 * fails and the relay tries again with backoff. Needs QueueModule, DatabaseModule and
 * OutboxModule (`@lattice/database/outbox`).
 */
@Module({
  providers: [QueueOutbox],
  exports: [QueueOutbox],
})
export class QueueOutboxModule implements OnModuleInit {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly queues: QueueManager,
  ) {}

  onModuleInit(): void {
    this.relay.handle<QueueOutboxPayload>(QUEUE_OUTBOX_TOPIC, async ({ id, payload: row }) => {
      await this.queues.send(row.definition, row.payload, { jobId: id, delay: row.delay });
    });
  }
}
