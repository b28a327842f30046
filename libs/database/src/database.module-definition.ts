import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DATABASE_MODULE_OPTIONS } from './database.constants';
import type { DatabaseModuleOptions } from './database.interfaces';
import { databaseOptionsSchema } from './database.options';

export const {
  ConfigurableModuleClass: DatabaseConfigurableModule,
  OPTIONS_TYPE: DATABASE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DATABASE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DatabaseModuleOptions>({
  optionsInjectionToken: DATABASE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras(
    {
      /** Global by default: one database per app (docs/decisions/0022-module-options.md). */
      isGlobal: true,
    },
    (definition, extras) =>
      checkOptionsAtBoot(
        { ...definition, global: extras.isGlobal },
        DATABASE_MODULE_OPTIONS,
        'DatabaseModule',
        databaseOptionsSchema,
      ),
  )
  .build();
