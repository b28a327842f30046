import { RedisConnections } from '@lattice/core';
import { QueueManager } from '@lattice/queue';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { AI_QUEUE_OPTIONS } from './ai-queue.constants';
import type { AiQueueModuleOptions } from './ai-queue.interfaces';
import { AiQueueMessages } from './ai-queue.messages';
import { AiQueue } from './ai-queue';
import { AiTaskDelivery } from './ai-task.delivery';
import { AiTaskJob } from './ai-task.job';
import { AiTaskResults, MemoryAiTaskResults, RedisAiTaskResults } from './ai-task-results';

const DEFAULTS: Required<AiQueueModuleOptions> = { resultTtlMs: 86_400_000, progressEveryMs: 250 };

const RANGES: Record<keyof AiQueueModuleOptions, [number, number]> = {
  resultTtlMs: [1000, 30 * 86_400_000],
  progressEveryMs: [0, 60_000],
};

function optionsProvider(options: AiQueueModuleOptions) {
  for (const [option, value] of Object.entries(options)) {
    const range = RANGES[option as keyof AiQueueModuleOptions];
    if (!range)
      throw AiQueueMessages.optionInvalid(
        option,
        value,
        `one of ${Object.keys(RANGES).join(', ')}`,
      );
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < range[0] ||
      value > range[1]
    )
      throw AiQueueMessages.optionInvalid(
        option,
        value,
        `a whole number of ms from ${range[0]} to ${range[1]}`,
      );
  }
  return { provide: AI_QUEUE_OPTIONS, useValue: { ...DEFAULTS, ...options } };
}

/**
 * Long AI tasks on @lattice/queue (`AiQueue`). Import it next to `QueueModule.forRoot()` and
 * `AiModule.forRoot()`; the tasks run on the `ai` queue, so give it a concurrency there.
 *
 * @example
 * import { AiQueueModule } from '@lattice/ai/queue';
 * @Module({ imports: [QueueModule.forRoot({ queues: { ai: { concurrency: 4 } } }), AiModule.forRoot({ … }), AiQueueModule] })
 * export class AppModule {}
 */
@Global()
@Module({
  providers: [
    optionsProvider({}),
    {
      provide: AiTaskResults,
      inject: [QueueManager, RedisConnections],
      // Results live where the jobs do: a BullMQ job outlives its process, so its result must.
      useFactory: (queues: QueueManager, redis: RedisConnections) =>
        queues.driverKind === 'bullmq' ? new RedisAiTaskResults(redis) : new MemoryAiTaskResults(),
    },
    AiTaskDelivery,
    AiTaskJob,
    AiQueue,
  ],
  exports: [AiQueue],
})
export class AiQueueModule {
  /** The module with options (its options provider comes after, and replaces, the default one). */
  static forRoot(options: AiQueueModuleOptions = {}): DynamicModule {
    return { module: AiQueueModule, providers: [optionsProvider(options)] };
  }
}
