import { bootReportPart } from '@lattice/core';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { StateDevtoolsController } from './devtools/state-devtools.controller';
import { STATE_DEVTOOLS_ACCESS } from './devtools/state-devtools.constants';
import { StateDevtoolsGuard } from './devtools/state-devtools.guard';
import { StateExplorer } from './state.explorer';
import {
  STATE_ASYNC_OPTIONS_TYPE,
  STATE_OPTIONS_TYPE,
  StateConfigurableModule,
} from './state.module-definition';
import { StateManager } from './state-manager';
import { StateStores } from './stores/state-stores';

/**
 * Event-sourced state: `@StateDefinition` classes found at bootstrap, streams in memory
 * (default), Redis (with REDIS_URL) or SQL, read and written through `StateManager`. Global
 * unless `isGlobal: false`; options are checked at boot (`stateOptionsSchema`).
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), StateModule.forRoot()], providers: [CounterState] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [StateStores, StateManager, StateExplorer, bootReportPart('state')],
  exports: [StateManager, StateStores],
})
export class StateModule extends StateConfigurableModule {
  static forRoot(options: typeof STATE_OPTIONS_TYPE = {}): DynamicModule {
    return withDevtools(super.forRoot(options), options.devtools);
  }

  /** Options from `useFactory`, `useClass` or `useExisting`, checked at boot like forRoot's. */
  static forRootAsync(options: typeof STATE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withDevtools(super.forRootAsync(options), options.devtools);
  }
}

function withDevtools(
  definition: DynamicModule,
  devtools: boolean | 'open' | undefined,
): DynamicModule {
  const enabled = devtools ?? process.env.NODE_ENV !== 'production';
  if (!enabled) return { ...definition, controllers: [] };
  // Admins only unless opened on purpose (libs/state/src/devtools/state-devtools.guard.ts).
  const access = {
    provide: STATE_DEVTOOLS_ACCESS,
    useValue: devtools === 'open' ? 'open' : 'admin',
  };
  return {
    ...definition,
    controllers: [StateDevtoolsController],
    providers: [...(definition.providers ?? []), access, StateDevtoolsGuard],
  };
}
