import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { STATE_MODULE_OPTIONS } from './state.constants';
import type { StateModuleOptions } from './state.interfaces';
import { stateOptionsSchema } from './state.options';

export const {
  ConfigurableModuleClass: StateConfigurableModule,
  OPTIONS_TYPE: STATE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STATE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<StateModuleOptions>({
  optionsInjectionToken: STATE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras(
    {
      /** Global by default: one state store per app (docs/decisions/0022-module-options.md). */
      isGlobal: true,
      /**
       * Serve `GET /lattice/state/:streamId` (default: when NODE_ENV is not "production"), to
       * admins only; `'open'` lets anyone the app's guards let in. An extra, not an option: it
       * adds a route, so it must be known when the module is built.
       */
      devtools: undefined as boolean | 'open' | undefined,
    },
    (definition, extras) =>
      checkOptionsAtBoot(
        { ...definition, global: extras.isGlobal },
        STATE_MODULE_OPTIONS,
        'StateModule',
        stateOptionsSchema,
      ),
  )
  .build();
