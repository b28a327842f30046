import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { PersistentWebSocketManager } from './broadcast/persistent-websocket-manager';
import { WebSocketEventBroadcaster } from './broadcast/websocket-event-broadcaster';
import { AsyncEventDispatcher } from './dispatch/async-event-dispatcher';
import { EventDispatcher } from './dispatch/event-dispatcher';
import { EventsAssetsController } from './events-assets.controller';
import { EVENTS_MODULE_OPTIONS } from './events.constants';
import { EventsExplorer } from './events.explorer';
import type { EventsModuleAsyncOptions, EventsModuleOptions } from './events.interfaces';

/**
 * Typed events: `EventDispatcher` on @nestjs/event-emitter, `@Listen()` methods and
 * `@EventListener()` classes found at bootstrap, async listeners run as @lattice/queue jobs;
 * with `SocketModule` imported, `BroadcastableEvent`s reach browsers on channels with history.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot({}), QueueModule.forRoot(), EventsModule.forRoot()], providers: [SendReceipt] })
 * export class AppModule {}
 */
@Module({})
export class EventsModule {
  static forRoot(options: EventsModuleOptions = {}): DynamicModule {
    return EventsModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(async: EventsModuleAsyncOptions): DynamicModule {
    return {
      module: EventsModule,
      global: true,
      imports: [
        DiscoveryModule,
        EventEmitterModule.forRoot({ wildcard: true, delimiter: '.', maxListeners: 0 }),
        ...(async.imports ?? []),
      ],
      // The browser script of channels, for pages without a bundler (built on first request).
      controllers: [EventsAssetsController],
      providers: [
        {
          provide: EVENTS_MODULE_OPTIONS,
          useFactory: async.useFactory,
          inject: async.inject ?? [],
        },
        AsyncEventDispatcher,
        EventDispatcher,
        PersistentWebSocketManager,
        WebSocketEventBroadcaster,
        EventsExplorer,
      ],
      exports: [
        EventDispatcher,
        AsyncEventDispatcher,
        PersistentWebSocketManager,
        WebSocketEventBroadcaster,
        EVENTS_MODULE_OPTIONS,
      ],
    };
  }
}
