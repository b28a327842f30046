import { bootReportPart } from '@lattice/core';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { PersistentWebSocketManager } from './broadcast/persistent-websocket-manager';
import { WebSocketEventBroadcaster } from './broadcast/websocket-event-broadcaster';
import { EventDispatcher } from './dispatch/event-dispatcher';
import { EventsAssetsController } from './events-assets.controller';
import { EVENTS_MODULE_OPTIONS } from './events.constants';
import { EventsExplorer } from './events.explorer';
import { EventsConfigurableModule, type EventsModuleRootOptions } from './events.module-definition';

/**
 * Typed events: `EventDispatcher` on @nestjs/event-emitter, `@Listen()` methods and
 * `@EventListener()` classes found at bootstrap; with `SocketModule` imported,
 * `BroadcastableEvent`s reach browsers on channels with history. Listeners marked `{ async }`
 * run as @lattice/queue jobs when `EventsQueueModule` (`@lattice/events/queue`) is imported.
 * Options are checked at boot. Global, so every module injects `EventDispatcher`, unless
 * `isGlobal: false`.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot({}), EventsModule.forRoot()], providers: [SendReceipt] })
 * export class AppModule {}
 */
@Module({
  imports: [
    DiscoveryModule,
    EventEmitterModule.forRoot({ wildcard: true, delimiter: '.', maxListeners: 0 }),
  ],
  // The browser script of channels, for pages without a bundler (built on first request).
  controllers: [EventsAssetsController],
  providers: [
    bootReportPart('events'),
    EventDispatcher,
    PersistentWebSocketManager,
    WebSocketEventBroadcaster,
    EventsExplorer,
  ],
  exports: [
    EventDispatcher,
    PersistentWebSocketManager,
    WebSocketEventBroadcaster,
    EVENTS_MODULE_OPTIONS,
  ],
})
export class EventsModule extends EventsConfigurableModule {
  /** Every option is optional: `EventsModule.forRoot()` takes core's history driver and the defaults. */
  static forRoot(options: EventsModuleRootOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
