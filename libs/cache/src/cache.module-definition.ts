import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { CACHE_MODULE_OPTIONS } from './cache.constants';
import type { CacheModuleOptions } from './cache.interfaces';
import { cacheOptionsSchema } from './cache.options';

export const {
  ConfigurableModuleClass: CacheConfigurableModule,
  OPTIONS_TYPE: CACHE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>({
  optionsInjectionToken: CACHE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras(
    {
      /** Global by default: one set of named stores per app (docs/decisions/0022-module-options.md). */
      isGlobal: true,
      /**
       * forRootAsync only: the names of the extra stores, which become injection tokens
       * (`@InjectCache('sessions')`) before the factory runs. forRoot takes them from `stores`.
       */
      storeNames: [] as string[],
    },
    (definition, extras) =>
      checkOptionsAtBoot(
        { ...definition, global: extras.isGlobal },
        CACHE_MODULE_OPTIONS,
        'CacheModule',
        cacheOptionsSchema,
      ),
  )
  .build();
