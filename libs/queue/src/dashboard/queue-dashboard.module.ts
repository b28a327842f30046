import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule, InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import { DynamicModule, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BullMqQueueDriver } from '../drivers/bullmq.driver';
import { QueueManager } from '../queue-manager';
import { QueueManagerBoardAdapter } from './queue-manager.board-adapter';

export interface QueueDashboardOptions {
  /** Where the dashboard is mounted (default `/admin/queues`). */
  route?: string;
}

@Injectable()
class QueueDashboardRegistrar implements OnApplicationBootstrap {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    private readonly queues: QueueManager,
  ) {}

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

/**
 * bull-board for every queue of the application, on Express or Fastify alike. With BullMQ
 * it is the full dashboard (retry, clean, pause…); the in-process driver shows read-only.
 * It has no guard of its own: put it behind your admin guard (the Forum does).
 */
@Module({})
export class QueueDashboardModule {
  static forRoot(options: QueueDashboardOptions = {}): DynamicModule {
    const route = options.route ?? '/admin/queues';
    return {
      module: QueueDashboardModule,
      imports: [
        BullBoardModule.forRootAsync({
          inject: [HttpAdapterHost],
          useFactory: (host: HttpAdapterHost) => ({
            route,
            adapter: host.httpAdapter?.getType() === 'fastify' ? FastifyAdapter : ExpressAdapter,
            boardOptions: { uiConfig: { boardTitle: 'Lattice queues' } },
          }),
        }),
      ],
      providers: [QueueDashboardRegistrar],
    };
  }
}
