import { checkOptionsAtBoot } from '@lattice/core';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { CLUSTER_MODULE_OPTIONS } from './cluster.constants';
import type { ClusterModuleOptions } from './cluster.interfaces';
import { clusterOptionsSchema } from './cluster.options';

export const {
  ConfigurableModuleClass: ClusterConfigurableModule,
  OPTIONS_TYPE: CLUSTER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CLUSTER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ClusterModuleOptions>({
  optionsInjectionToken: CLUSTER_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras(
    {
      /** Global by default: one membership per process (docs/decisions/0022-module-options.md). */ isGlobal: true,
    },
    (definition, extras) =>
      checkOptionsAtBoot(
        { ...definition, global: extras.isGlobal },
        CLUSTER_MODULE_OPTIONS,
        'ClusterModule',
        clusterOptionsSchema,
      ),
  )
  .build();
