import { Module, type DynamicModule } from '@nestjs/common';
import { CLUSTER_QUEUE_OPTIONS } from './cluster-queue.constants';
import type { ClusterQueueModuleOptions } from './cluster-queue.interfaces';
import { ClusterQueueMessages } from './cluster-queue.messages';
import { RoutedQueues } from './routed-queues';
import { RoutedTakeover } from './routed-takeover';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Routed tasks (`RoutedQueues`): queue jobs that run on a node with a capability, chosen by the
 * cluster's load balancer, and moved to another such node when it dies. Import it next to
 * `ClusterModule` and `QueueModule` (both global); needs `@lattice/queue`.
 *
 * @example
 * import { ClusterQueueModule } from '@lattice/cluster/queue';
 * @Module({ imports: [ClusterModule.forRoot({ capabilities: ['gpu'] }), QueueModule.forRoot(), ClusterQueueModule.forRoot({ queues: ['media'] })] })
 * export class AppModule {}
 */
@Module({})
export class ClusterQueueModule {
  static forRoot(options: ClusterQueueModuleOptions): DynamicModule {
    const queues = options?.queues;
    if (!Array.isArray(queues) || queues.length === 0 || queues.some((q) => !QUEUE_NAME.test(q)))
      throw ClusterQueueMessages.badOptions(`queues is ${JSON.stringify(queues)}`);
    const takeoverTimeoutMs = options.takeoverTimeoutMs ?? 120_000;
    if (!Number.isInteger(takeoverTimeoutMs) || takeoverTimeoutMs < 1000)
      throw ClusterQueueMessages.badOptions(`takeoverTimeoutMs is ${takeoverTimeoutMs}`);
    return {
      module: ClusterQueueModule,
      global: true,
      providers: [
        {
          provide: CLUSTER_QUEUE_OPTIONS,
          useValue: { queues: [...new Set(queues)], takeoverTimeoutMs },
        },
        RoutedTakeover,
        RoutedQueues,
      ],
      exports: [RoutedQueues],
    };
  }
}
