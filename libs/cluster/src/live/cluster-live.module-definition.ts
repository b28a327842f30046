import { ConfigurableModuleBuilder } from '@nestjs/common';
import { CLUSTER_LIVE_OPTIONS } from './cluster-live.constants';
import type { ClusterLiveModuleOptions } from './cluster-live.interfaces';

export const {
  ConfigurableModuleClass: ClusterLiveConfigurableModule,
  OPTIONS_TYPE: CLUSTER_LIVE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CLUSTER_LIVE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ClusterLiveModuleOptions>({
  optionsInjectionToken: CLUSTER_LIVE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .build();
