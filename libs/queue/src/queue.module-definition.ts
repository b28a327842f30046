import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import type { QueueModuleOptions } from './queue.interfaces';

/**
 * `QueueModule.forRoot()` / `forRootAsync()` (useFactory, useClass, useExisting) and the
 * `isGlobal` extra. The options land under `QUEUE_RAW_OPTIONS` unchecked; the module checks
 * them into `QUEUE_MODULE_OPTIONS`, whatever form gave them.
 */
export const {
  ConfigurableModuleClass: QueueConfigurableModule,
  MODULE_OPTIONS_TOKEN: QUEUE_RAW_OPTIONS,
  OPTIONS_TYPE: QUEUE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QUEUE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QueueModuleOptions>({ moduleName: 'Queue' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** `QueueModule.forRoot()`'s argument: the options plus `isGlobal`. */
export type QueueModuleRootOptions = typeof QUEUE_OPTIONS_TYPE;
/** `QueueModule.forRootAsync()`'s argument: `useFactory`, `useClass` or `useExisting`, plus `isGlobal`. */
export type QueueModuleAsyncOptions = typeof QUEUE_ASYNC_OPTIONS_TYPE;
/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export type QueueOptionsFactory = ConfigurableModuleOptionsFactory<QueueModuleOptions, 'create'>;
