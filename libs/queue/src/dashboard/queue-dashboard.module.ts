import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule, InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import {
  DynamicModule,
  HttpException,
  Injectable,
  Logger,
  Module,
  ModuleMetadata,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpAdapterHost } from '@nestjs/core';
import { BullMqQueueDriver } from '../drivers/bullmq.driver';
import { QueueManager } from '../queue-manager';
import { QueueManagerBoardAdapter } from './queue-manager.board-adapter';

export interface QueueDashboardOptions {
  /** Where the dashboard is mounted (default `/admin/queues`). */
  route?: string;
  /**
   * Who may see it (bull-board has no guard of its own, and Nest guards do not reach it):
   * called for every dashboard request, page and API alike. `false` answers 403; throw an
   * `HttpException` (an `UnauthorizedException`, say) for another answer. Default: everyone.
   */
  authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
}

export interface QueueDashboardAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => QueueDashboardOptions | Promise<QueueDashboardOptions>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
}

const logger = new Logger('QueueDashboard');

/** bull-board's `middleware` option: runs `authorize` before the dashboard answers. */
function authorizing(authorize: NonNullable<QueueDashboardOptions['authorize']>) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    const refuse = (status: number, body: string | object) => {
      response.statusCode = status;
      response.setHeader('content-type', 'application/json; charset=utf-8');
      response.end(
        JSON.stringify(typeof body === 'string' ? { statusCode: status, message: body } : body),
      );
    };
    Promise.resolve()
      .then(() => authorize(request))
      .then(
        (allowed) =>
          allowed ? next() : refuse(403, 'You are not allowed to see the queue dashboard.'),
        (error: unknown) => {
          if (error instanceof HttpException) return refuse(error.getStatus(), error.getResponse());
          logger.error(`authorize() failed: ${String(error)}`);
          refuse(500, 'The queue dashboard could not check who you are.');
        },
      );
  };
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
 * It has no guard of its own: give `authorize` (the Forum lets only admins in).
 */
@Module({})
export class QueueDashboardModule {
  static forRoot(options: QueueDashboardOptions = {}): DynamicModule {
    return QueueDashboardModule.forRootAsync({ useFactory: () => options });
  }

  /** Options from a factory: the usual way to give `authorize` the app's authentication. */
  static forRootAsync(async: QueueDashboardAsyncOptions): DynamicModule {
    return {
      module: QueueDashboardModule,
      imports: [
        BullBoardModule.forRootAsync({
          imports: async.imports,
          inject: [HttpAdapterHost, ...(async.inject ?? [])],
          useFactory: async (host: HttpAdapterHost, ...args: unknown[]) => {
            const options = await async.useFactory(...args);
            return {
              route: options.route ?? '/admin/queues',
              adapter: host.httpAdapter?.getType() === 'fastify' ? FastifyAdapter : ExpressAdapter,
              boardOptions: { uiConfig: { boardTitle: 'Lattice queues' } },
              middleware: options.authorize ? authorizing(options.authorize) : undefined,
            };
          },
        }),
      ],
      providers: [QueueDashboardRegistrar],
    };
  }
}
