import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { OUTBOX_MODULE_OPTIONS } from './outbox.constants';
import type { OutboxModuleOptions } from './outbox.interfaces';
import { outboxOptionsSchema } from './outbox.options';

export const {
  ConfigurableModuleClass: OutboxConfigurableModule,
  OPTIONS_TYPE: OUTBOX_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: OUTBOX_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<OutboxModuleOptions>({
  optionsInjectionToken: OUTBOX_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) =>
    checkOptionsAtBoot(
      { ...definition, global: extras.isGlobal },
      OUTBOX_MODULE_OPTIONS,
      'OutboxModule',
      outboxOptionsSchema,
    ),
  )
  .build();
