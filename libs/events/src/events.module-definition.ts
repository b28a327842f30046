import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import type { EventsModuleOptions } from './events.interfaces';

/**
 * `EventsModule.forRoot()` / `forRootAsync()` (useFactory, useClass, useExisting) and the
 * `isGlobal` extra. The options land under `EVENTS_RAW_OPTIONS` unchecked; the module checks
 * them into `EVENTS_MODULE_OPTIONS`, whatever form gave them.
 */
export const {
  ConfigurableModuleClass: EventsConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENTS_RAW_OPTIONS,
  OPTIONS_TYPE: EVENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventsModuleOptions>({ moduleName: 'Events' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** `EventsModule.forRoot()`'s argument: the options plus `isGlobal`. */
export type EventsModuleRootOptions = typeof EVENTS_OPTIONS_TYPE;
/** `EventsModule.forRootAsync()`'s argument: `useFactory`, `useClass` or `useExisting`, plus `isGlobal`. */
export type EventsModuleAsyncOptions = typeof EVENTS_ASYNC_OPTIONS_TYPE;
/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export type EventsOptionsFactory = ConfigurableModuleOptionsFactory<EventsModuleOptions, 'create'>;
