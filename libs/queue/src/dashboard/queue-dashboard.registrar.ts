import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import { Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { BullMqQueueDriver } from '../drivers/bullmq.driver';
import { QueueMessages } from '../queue.messages';
import { QueueManager } from '../queue-manager';
import { QueueManagerBoardAdapter } from './queue-manager.board-adapter';

/** Puts every queue of the application on the board once the job classes are registered. */
@Injectable()
export class QueueDashboardRegistrar implements OnApplicationBootstrap {
  private readonly queues: QueueManager;

  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    @Optional() queues?: QueueManager,
  ) {
    if (!queues) throw QueueMessages.managerNotVisible('QueueDashboardModule');
    this.queues = queues;
  }

  onApplicationBootstrap(): void {
    const driver = this.queues.driver;
    for (const name of this.queues.queueNames()) {
      this.board.addQueue(
        driver instanceof BullMqQueueDriver
          ? new BullMQAdapter(driver.queue(name))
          : new QueueManagerBoardAdapter(this.queues, name),
      );
    }
  }
}
