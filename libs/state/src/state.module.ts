import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { StateDevtoolsController } from './devtools/state-devtools.controller';
import { STATE_MODULE_OPTIONS } from './state.constants';
import type { StateModuleAsyncOptions, StateModuleOptions } from './state.interfaces';
import { StateExplorer } from './state.explorer';
import { StateManager } from './state-manager';
import { StateStores } from './stores/state-stores';

/**
 * Event-sourced state: `@StateDefinition` classes found at bootstrap, streams in memory
 * (default), Redis (with REDIS_URL) or SQL, read and written through `StateManager`.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), StateModule.forRoot()], providers: [CounterState] })
 * export class AppModule {}
 */
@Module({})
export class StateModule {
  static forRoot(options: StateModuleOptions = {}): DynamicModule {
    return {
      ...StateModule.forRootAsync({ useFactory: () => options }),
      controllers: devtoolsEnabled(options) ? [StateDevtoolsController] : [],
    };
  }

  /** Options from a factory. The devtools endpoint then follows NODE_ENV only. */
  static forRootAsync(async: StateModuleAsyncOptions): DynamicModule {
    return {
      module: StateModule,
      global: true,
      imports: [DiscoveryModule, ...(async.imports ?? [])],
      controllers: devtoolsEnabled({}) ? [StateDevtoolsController] : [],
      providers: [
        { provide: STATE_MODULE_OPTIONS, useFactory: async.useFactory, inject: async.inject ?? [] },
        StateStores,
        StateManager,
        StateExplorer,
      ],
      exports: [StateManager, StateStores],
    };
  }
}

function devtoolsEnabled(options: StateModuleOptions): boolean {
  return options.devtools ?? process.env.NODE_ENV !== 'production';
}
