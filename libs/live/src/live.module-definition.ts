import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import type { LiveModuleOptions } from './live.options';

/**
 * LiveModule's `forRoot` / `forRootAsync` (useFactory, useClass, useExisting). Global by
 * default: `@LivePage` controllers and components anywhere in the app need its renderer and
 * sessions, and one app has one live runtime; `isGlobal: false` keeps it to the importing module.
 */
export const {
  ConfigurableModuleClass: LiveConfigurableModule,
  MODULE_OPTIONS_TOKEN: LIVE_RAW_OPTIONS,
  OPTIONS_TYPE: LIVE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LIVE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LiveModuleOptions>({ moduleName: 'Live' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** A class that `LiveModule.forRootAsync({ useClass })` asks for the options: its `create()`. */
export type LiveOptionsFactory = ConfigurableModuleOptionsFactory<LiveModuleOptions, 'create'>;
