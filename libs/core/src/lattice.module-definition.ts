import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LatticeModuleOptions } from './interfaces/lattice-module-options.interface';

export const {
  ConfigurableModuleClass: LatticeConfigurableModule,
  MODULE_OPTIONS_TOKEN: LATTICE_MODULE_OPTIONS,
  OPTIONS_TYPE: LATTICE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LATTICE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LatticeModuleOptions>().setClassMethodName('forRoot').build();
