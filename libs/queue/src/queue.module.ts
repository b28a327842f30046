import { bootReportPart, LatticeDrivers, RedisConnections } from '@lattice/core';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullMqQueueDriver } from './drivers/bullmq.driver';
import { MemoryQueueDriver } from './drivers/memory.driver';
import { QueueDriver } from './drivers/queue-driver';
import { QUEUE_MODULE_OPTIONS } from './queue.constants';
import type { QueueModuleOptions } from './queue.interfaces';
import { QueueConfigurableModule, type QueueModuleRootOptions } from './queue.module-definition';
import { QueueExplorer } from './queue.explorer';
import { QueueManager } from './queue-manager';

/**
 * Background jobs: `@QueueJob` classes dispatched through `QueueManager`, run by workers in
 * this process (or in `lattice queue:work`). BullMQ on Redis when core selects it
 * (REDIS_URL), an in-process driver with the same rules otherwise. Options are checked at
 * boot. Global, so every module injects `QueueManager`, unless `isGlobal: false`.
 *
 * @example
 * @Module({ imports: [QueueModule.forRoot({ queues: { mail: { concurrency: 5 } } })], providers: [SendWelcomeMail] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    bootReportPart('queue'),
    {
      provide: QueueDriver,
      inject: [QUEUE_MODULE_OPTIONS, LatticeDrivers, RedisConnections],
      useFactory: createDriver,
    },
    QueueManager,
    QueueExplorer,
  ],
  exports: [QueueManager, QueueDriver, QUEUE_MODULE_OPTIONS],
})
export class QueueModule extends QueueConfigurableModule {
  /** Every option is optional: `QueueModule.forRoot()` takes core's driver and the defaults. */
  static forRoot(options: QueueModuleRootOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}

function createDriver(
  options: QueueModuleOptions,
  drivers: LatticeDrivers,
  redis: RedisConnections,
): QueueDriver {
  const keepCompleted = options.keepCompleted ?? 1000;
  const keepFailed = options.keepFailed ?? 5000;
  if ((options.driver ?? drivers.for('queue')) === 'memory') {
    return new MemoryQueueDriver({ keepCompleted, keepFailed });
  }
  return new BullMqQueueDriver(
    {
      commands: redis.get('queue', { maxRetriesPerRequest: 2 }),
      workers: redis.get('queue-workers', { maxRetriesPerRequest: null }),
    },
    {
      prefix: redis.key('bull'),
      keepCompleted,
      keepFailed,
      lockDurationMs: options.lockDurationMs ?? 30_000,
      stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
    },
  );
}
