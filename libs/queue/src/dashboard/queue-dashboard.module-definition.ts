import { ConfigurableModuleBuilder, type ConfigurableModuleOptionsFactory } from '@nestjs/common';
import type { QueueDashboardOptions } from './queue-dashboard.interfaces';

/** `QueueDashboardModule.forRoot()` / `forRootAsync()` and the `isGlobal` extra. */
export const {
  ConfigurableModuleClass: QueueDashboardConfigurableModule,
  MODULE_OPTIONS_TOKEN: QUEUE_DASHBOARD_RAW_OPTIONS,
  OPTIONS_TYPE: QUEUE_DASHBOARD_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QUEUE_DASHBOARD_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QueueDashboardOptions>({ moduleName: 'QueueDashboard' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

export type QueueDashboardRootOptions = typeof QUEUE_DASHBOARD_OPTIONS_TYPE;
export type QueueDashboardAsyncOptions = typeof QUEUE_DASHBOARD_ASYNC_OPTIONS_TYPE;
/** A class for `forRootAsync({ useClass })` / `useExisting`. */
export type QueueDashboardOptionsFactory = ConfigurableModuleOptionsFactory<
  QueueDashboardOptions,
  'create'
>;
