import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import { EVENTS_MODULE_OPTIONS } from './events.constants';
import type { EventsModuleOptions } from './events.interfaces';
import { eventsModuleOptionsSchema } from './events.options';

/**
 * `EventsModule.forRoot()` / `forRootAsync()` (useFactory, useClass, useExisting) and the
 * `isGlobal` extra. Whatever form gives the options, they are checked at boot into
 * `EVENTS_MODULE_OPTIONS` (core's checkOptionsAtBoot, decision 0022).
 */
export const {
  ConfigurableModuleClass: EventsConfigurableModule,
  OPTIONS_TYPE: EVENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventsModuleOptions>({
  optionsInjectionToken: EVENTS_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) =>
    checkOptionsAtBoot(
      { ...definition, global: extras.isGlobal },
      EVENTS_MODULE_OPTIONS,
      'EventsModule',
      eventsModuleOptionsSchema,
    ),
  )
  .build();

/** `EventsModule.forRoot()`'s argument: the options plus `isGlobal`. */
export type EventsModuleRootOptions = typeof EVENTS_OPTIONS_TYPE;
/** `EventsModule.forRootAsync()`'s argument: `useFactory`, `useClass` or `useExisting`, plus `isGlobal`. */
export type EventsModuleAsyncOptions = typeof EVENTS_ASYNC_OPTIONS_TYPE;
/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export type EventsOptionsFactory = ConfigurableModuleOptionsFactory<EventsModuleOptions, 'create'>;
