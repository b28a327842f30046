import { Module } from '@nestjs/common';
import { LiveChannelBinding } from './live-channel.binding';

/**
 * Delivers @lattice/events channel broadcasts to `@OnChannel` components. Import it once,
 * next to `EventsModule.forRoot()` and `LiveModule.forRoot()`.
 *
 * @example
 * import { LiveChannelsModule } from '@lattice/live/channels';
 * @Module({ imports: [EventsModule.forRoot(), LiveModule.forRoot(), LiveChannelsModule] })
 * export class AppModule {}
 */
@Module({ providers: [LiveChannelBinding] })
export class LiveChannelsModule {}
