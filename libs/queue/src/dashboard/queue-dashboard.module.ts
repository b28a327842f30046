import { ExpressAdapter } from '@bull-board/express';
import { FastifyAdapter } from '@bull-board/fastify';
import { BullBoardModule } from '@bull-board/nestjs';
import { checkModuleOptions } from '@lattice/core';
import { DynamicModule, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QueueDashboardAuthorizer } from './queue-dashboard.authorizer';
import { DEFAULT_DASHBOARD_ROUTE, QUEUE_DASHBOARD_OPTIONS } from './queue-dashboard.constants';
import type { QueueDashboardOptions } from './queue-dashboard.interfaces';
import {
  QUEUE_DASHBOARD_RAW_OPTIONS,
  QueueDashboardConfigurableModule,
  type QueueDashboardAsyncOptions,
  type QueueDashboardRootOptions,
} from './queue-dashboard.module-definition';
import { queueDashboardOptionsSchema } from './queue-dashboard.options';
import { QueueDashboardRegistrar } from './queue-dashboard.registrar';

/** Holds the dashboard's options, so bull-board's own module sees the same provider. */
@Module({})
class QueueDashboardOptionsModule {}

/**
 * bull-board for every queue of the application, on Express or Fastify alike. With BullMQ
 * it is the full dashboard (retry, clean, pause…); the in-process driver shows read-only.
 * It has no guard of its own: give `authorize` (the Forum lets only admins in). Needs
 * `QueueModule.forRoot()` (global by default).
 *
 * @example
 * import { QueueDashboardModule } from '@lattice/queue/dashboard';
 * QueueDashboardModule.forRoot({ route: '/admin/queues', authorize: (request) => isAdmin(request) })
 */
@Module({})
export class QueueDashboardModule extends QueueDashboardConfigurableModule {
  static forRoot(options: QueueDashboardRootOptions = {}): DynamicModule {
    return QueueDashboardModule.withBoard(super.forRoot(options));
  }

  /** Options from a factory or a class: the usual way to give `authorize` the app's authentication. */
  static forRootAsync(options: QueueDashboardAsyncOptions): DynamicModule {
    return QueueDashboardModule.withBoard(super.forRootAsync(options));
  }

  /** One options provider, checked, seen by bull-board's factory and by the authorizer. */
  private static withBoard(definition: DynamicModule): DynamicModule {
    const options: DynamicModule = {
      module: QueueDashboardOptionsModule,
      imports: definition.imports,
      providers: [
        ...(definition.providers ?? []),
        {
          provide: QUEUE_DASHBOARD_OPTIONS,
          inject: [QUEUE_DASHBOARD_RAW_OPTIONS],
          useFactory: (raw: unknown): QueueDashboardOptions =>
            checkModuleOptions('QueueDashboardModule', queueDashboardOptionsSchema, raw),
        },
      ],
      exports: [QUEUE_DASHBOARD_OPTIONS],
    };
    return {
      ...definition,
      imports: [
        options,
        BullBoardModule.forRootAsync({
          imports: [options],
          inject: [HttpAdapterHost, QUEUE_DASHBOARD_OPTIONS],
          useFactory: (host: HttpAdapterHost, dashboard: QueueDashboardOptions) => ({
            route: dashboard.route ?? DEFAULT_DASHBOARD_ROUTE,
            adapter: host.httpAdapter?.getType() === 'fastify' ? FastifyAdapter : ExpressAdapter,
            boardOptions: { uiConfig: { boardTitle: 'Lattice queues' } },
          }),
        }),
      ],
      providers: [QueueDashboardRegistrar, QueueDashboardAuthorizer],
    };
  }
}
