import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { AI_MODULE_OPTIONS } from './ai.constants';
import type { AiModuleOptions } from './ai.interfaces';
import { aiOptionsSchema } from './ai.options';

export const {
  ConfigurableModuleClass: AiConfigurableModule,
  OPTIONS_TYPE: AI_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AI_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AiModuleOptions>({ optionsInjectionToken: AI_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras(
    {
      /** Global by default: one AI hub per app (docs/decisions/0022-module-options.md). */
      isGlobal: true,
      /**
       * forRootAsync only: the provider names `@InjectAi(name)` is used with (they become
       * injection tokens before the factory runs). forRoot takes them from `providers`.
       */
      providerNames: [] as string[],
    },
    (definition, extras) =>
      checkOptionsAtBoot(
        { ...definition, global: extras.isGlobal },
        AI_MODULE_OPTIONS,
        'AiModule',
        aiOptionsSchema,
      ),
  )
  .build();
