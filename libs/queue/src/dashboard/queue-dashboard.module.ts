import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule, InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import {
  DynamicModule,
  HttpException,
  Inject,
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

const QUEUE_DASHBOARD_OPTIONS = Symbol('QUEUE_DASHBOARD_OPTIONS');

/**
 * Runs `authorize` before any dashboard request, page or API. It hooks the HTTP server itself
 * when the app is built: Nest guards do not reach bull-board, and on Fastify bull-board's
 * routes live in a plugin that middleware registered later would not cover.
 */
@Injectable()
class QueueDashboardAuthorizer {
  private readonly logger = new Logger('QueueDashboard');

  constructor(
    @Inject(QUEUE_DASHBOARD_OPTIONS) options: QueueDashboardOptions,
    host: HttpAdapterHost,
  ) {
    const authorize = options.authorize;
    const adapter = host.httpAdapter;
    if (!authorize || !adapter) return;
    const route = options.route ?? '/admin/queues';
    const covers = (path: string) => path === route || path.startsWith(`${route}/`);
    // The path as the router sees it: decoded (`/admin/%71ueues`), and from an absolute request
    // target (`GET http://host/admin/queues`) too. A path that cannot be decoded is refused.
    const routedPath = (url: string): string | undefined => {
      try {
        return decodeURIComponent(new URL(url, 'http://localhost').pathname);
      } catch {
        return undefined;
      }
    };
    const check = (request: IncomingMessage, refuse: Refuse, next: () => void) =>
      Promise.resolve()
        .then(() => authorize(request))
        .then(
          (allowed) =>
            allowed
              ? next()
              : refuse(403, {
                  statusCode: 403,
                  message: 'You are not allowed to see the queue dashboard.',
                }),
          (error: unknown) => {
            if (error instanceof HttpException)
              return refuse(error.getStatus(), error.getResponse());
            this.logger.error(`authorize() failed: ${String(error)}`);
            refuse(500, {
              statusCode: 500,
              message: 'The queue dashboard could not check who you are.',
            });
          },
        );
    if (adapter.getType() === 'fastify') {
      const fastify = adapter.getInstance<FastifyLike>();
      fastify.addHook('onRequest', (request, reply, done) => {
        const path = routedPath(request.url);
        // Also the route Fastify matched, whatever spelling of the path led to it.
        const matched = request.routeOptions?.url;
        if (path !== undefined && !covers(path) && !(matched && covers(matched))) return done();
        void check(request.raw, (status, body) => void reply.code(status).send(body), done);
      });
    } else {
      const express = adapter.getInstance<ExpressLike>();
      express.use(route, (request, response, next) =>
        check(
          request,
          (status, body) => {
            response.statusCode = status;
            response.setHeader('content-type', 'application/json; charset=utf-8');
            response.end(
              JSON.stringify(
                typeof body === 'string' ? { statusCode: status, message: body } : body,
              ),
            );
          },
          next,
        ),
      );
    }
  }
}

type Refuse = (status: number, body: string | object) => void;
interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (
      request: { url: string; raw: IncomingMessage; routeOptions?: { url?: string } },
      reply: { code(status: number): { send(body: unknown): unknown } },
      done: () => void,
    ) => void,
  ): void;
}
interface ExpressLike {
  use(
    path: string,
    handler: (request: IncomingMessage, response: ServerResponse, next: () => void) => void,
  ): void;
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
class QueueDashboardOptionsModule {}

@Module({})
export class QueueDashboardModule {
  static forRoot(options: QueueDashboardOptions = {}): DynamicModule {
    return QueueDashboardModule.forRootAsync({ useFactory: () => options });
  }

  /** Options from a factory: the usual way to give `authorize` the app's authentication. */
  static forRootAsync(async: QueueDashboardAsyncOptions): DynamicModule {
    // One options provider, seen by bull-board's factory and by the authorizer.
    const options: DynamicModule = {
      module: QueueDashboardOptionsModule,
      imports: async.imports,
      providers: [
        {
          provide: QUEUE_DASHBOARD_OPTIONS,
          useFactory: async.useFactory,
          inject: async.inject ?? [],
        },
      ],
      exports: [QUEUE_DASHBOARD_OPTIONS],
    };
    return {
      module: QueueDashboardModule,
      imports: [
        options,
        BullBoardModule.forRootAsync({
          imports: [options],
          inject: [HttpAdapterHost, QUEUE_DASHBOARD_OPTIONS],
          useFactory: (host: HttpAdapterHost, dashboard: QueueDashboardOptions) => ({
            route: dashboard.route ?? '/admin/queues',
            adapter: host.httpAdapter?.getType() === 'fastify' ? FastifyAdapter : ExpressAdapter,
            boardOptions: { uiConfig: { boardTitle: 'Lattice queues' } },
          }),
        }),
      ],
      providers: [QueueDashboardRegistrar, QueueDashboardAuthorizer],
    };
  }
}
