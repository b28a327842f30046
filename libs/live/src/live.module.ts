import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { ComponentRegistry } from './component/component.registry';
import { LayoutManager } from './layout/layout.manager';
import { LiveAssetsController } from './live-assets.controller';
import { LIVE_MODULE_OPTIONS, type LiveModuleOptions } from './live.options';
import { LiveRenderer } from './live.renderer';
import { LiveSessions, LiveUpdates } from './session/live-sessions';
import { SessionTokens } from './session/session-token';
import { LiveComponentState } from './state/component-state.definition';
import { LiveStateBinding } from './state/live-state.binding';
import { LiveChannelBinding } from './channels/live-channel.binding';

/**
 * Live components: server-rendered, updated over @lattice/socket with diffs. Import it next to
 * `SocketModule.forRoot()`; list `@Component` classes as providers anywhere in the app.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), SocketModule.forRoot(), LiveModule.forRoot({ secret })], providers: [Counter] })
 * export class AppModule {}
 */
@Module({})
export class LiveModule {
  static forRoot(options: LiveModuleOptions = {}): DynamicModule {
    return LiveModule.forRootAsync({ useFactory: () => options });
  }

  /** Options from a factory, e.g. the secret from LatticeConfig. */
  static forRootAsync(async: {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    useFactory: (...args: any[]) => LiveModuleOptions | Promise<LiveModuleOptions>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inject?: any[];
  }): DynamicModule {
    return {
      module: LiveModule,
      global: true,
      imports: [DiscoveryModule],
      controllers: [LiveAssetsController],
      providers: [
        { provide: LIVE_MODULE_OPTIONS, useFactory: async.useFactory, inject: async.inject ?? [] },
        {
          provide: SessionTokens,
          inject: [LIVE_MODULE_OPTIONS],
          useFactory: (options: LiveModuleOptions) => {
            let secret = options.secret;
            if (!secret) {
              secret = randomBytes(32).toString('base64url');
              new Logger('Live').warn(
                'No live session secret given: using a random one, so open pages cannot rejoin after a restart or on another node. Set LiveModule.forRoot({ secret }).',
              );
            }
            return new SessionTokens(secret, options.tokenTtlSeconds ?? 12 * 3600);
          },
        },
        ComponentRegistry,
        LayoutManager,
        LiveSessions,
        LiveUpdates,
        LiveRenderer,
        // Used only with StateModule: @UseState / @PersistState components.
        LiveStateBinding,
        LiveComponentState,
        // Used only with EventsModule: @OnChannel components.
        LiveChannelBinding,
      ],
      exports: [
        ComponentRegistry,
        LayoutManager,
        LiveSessions,
        LiveUpdates,
        LiveRenderer,
        SessionTokens,
      ],
    };
  }
}
