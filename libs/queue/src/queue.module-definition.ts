import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import { QUEUE_MODULE_OPTIONS } from './queue.constants';
import type { QueueModuleOptions } from './queue.interfaces';
import { queueModuleOptionsSchema } from './queue.options';

/**
 * `QueueModule.forRoot()` / `forRootAsync()` (useFactory, useClass, useExisting) and the
 * `isGlobal` extra. Whatever form gives the options, they are checked at boot into
 * `QUEUE_MODULE_OPTIONS` (core's checkOptionsAtBoot, decision 0022).
 */
export const {
  ConfigurableModuleClass: QueueConfigurableModule,
  OPTIONS_TYPE: QUEUE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QUEUE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QueueModuleOptions>({
  optionsInjectionToken: QUEUE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) =>
    checkOptionsAtBoot(
      { ...definition, global: extras.isGlobal },
      QUEUE_MODULE_OPTIONS,
      'QueueModule',
      queueModuleOptionsSchema,
    ),
  )
  .build();

/** `QueueModule.forRoot()`'s argument: the options plus `isGlobal`. */
export type QueueModuleRootOptions = typeof QUEUE_OPTIONS_TYPE;
/** `QueueModule.forRootAsync()`'s argument: `useFactory`, `useClass` or `useExisting`, plus `isGlobal`. */
export type QueueModuleAsyncOptions = typeof QUEUE_ASYNC_OPTIONS_TYPE;
/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export type QueueOptionsFactory = ConfigurableModuleOptionsFactory<QueueModuleOptions, 'create'>;
