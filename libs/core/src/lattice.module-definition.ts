import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LatticeModuleOptions } from './interfaces/lattice-module-options.interface';
import { latticeOptionsSchema } from './lattice.options';
import { checkOptionsAtBoot } from './options/check-options-at-boot';

/** Injection token of the checked `LatticeModuleOptions`. */
export const LATTICE_MODULE_OPTIONS = Symbol('lattice:core:options');

export const {
  ConfigurableModuleClass: LatticeConfigurableModule,
  OPTIONS_TYPE: LATTICE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LATTICE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LatticeModuleOptions>({
  optionsInjectionToken: LATTICE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  // No isGlobal: LatticeModule is always global, every library reads its config and drivers.
  .setExtras({}, (definition) =>
    checkOptionsAtBoot(definition, LATTICE_MODULE_OPTIONS, 'LatticeModule', latticeOptionsSchema),
  )
  .build();
