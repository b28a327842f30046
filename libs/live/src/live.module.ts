import { checkModuleOptions, LatticeConfig } from '@lattice/core';
import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ComponentRegistry } from './component/component.registry';
import { LayoutManager } from './layout/layout.manager';
import { LiveAssetsController } from './live-assets.controller';
import { LiveBootCheck } from './live-boot.check';
import { LiveIntegrations } from './live-integrations';
import {
  LIVE_OPTIONS_TYPE,
  LIVE_RAW_OPTIONS,
  LiveConfigurableModule,
} from './live.module-definition';
import {
  LIVE_MODULE_OPTIONS,
  liveModuleOptionsSchema,
  type CheckedLiveOptions,
  type LiveModuleOptions,
} from './live.options';
import { LiveRenderer } from './live.renderer';
import { LiveSessions, LiveUpdates } from './session/live-sessions';
import { liveSecretOf } from './session/session-secret';
import { SessionTokens } from './session/session-token';

/**
 * Live components: server-rendered, updated over @lattice/socket with diffs. Import it next to
 * `SocketModule.forRoot()`; list `@Component` classes as providers anywhere in the app.
 * `forRoot(options)` or `forRootAsync({ useFactory | useClass | useExisting })`; the options
 * are checked at boot. Channels and state bindings come from `@lattice/live/channels` and
 * `@lattice/live/state`; with CacheModule imported, renders and last renders use its default store.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot({ schema: liveConfigShape }), SocketModule.forRoot(), LiveModule.forRoot()], providers: [Counter] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [LiveAssetsController],
  providers: [
    {
      provide: LIVE_MODULE_OPTIONS,
      inject: [LIVE_RAW_OPTIONS],
      useFactory: (options: LiveModuleOptions) =>
        checkModuleOptions('LiveModule', liveModuleOptionsSchema, options),
    },
    {
      provide: SessionTokens,
      inject: [LIVE_MODULE_OPTIONS, LatticeConfig],
      useFactory: (options: CheckedLiveOptions, config: LatticeConfig) =>
        new SessionTokens(liveSecretOf(options, config), options.tokenTtlSeconds),
    },
    ComponentRegistry,
    LayoutManager,
    LiveSessions,
    LiveUpdates,
    LiveRenderer,
    LiveIntegrations,
    LiveBootCheck,
  ],
  exports: [
    LIVE_MODULE_OPTIONS,
    ComponentRegistry,
    LayoutManager,
    LiveSessions,
    LiveUpdates,
    LiveRenderer,
    SessionTokens,
    LiveIntegrations,
  ],
})
export class LiveModule extends LiveConfigurableModule {
  /** Every option is optional: the secret defaults to LIVE_SECRET (see `liveConfigShape`). */
  static forRoot(options: typeof LIVE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
