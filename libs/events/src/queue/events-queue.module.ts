import { Global, Module } from '@nestjs/common';
import { EVENTS_LISTENER_QUEUE } from '../events.constants';
import { QueuedListeners } from './queued-listeners';

/**
 * Runs listeners marked `{ async }` as @lattice/queue jobs (persistent with BullMQ, retried
 * with backoff). Import it next to `QueueModule.forRoot()` (global by default) and
 * `EventsModule.forRoot()`; without it, an async listener stops the boot with an error that
 * names this module. Global, so `EventsModule` finds it wherever it is imported.
 *
 * @example
 * import { EventsQueueModule } from '@lattice/events/queue';
 * @Module({ imports: [QueueModule.forRoot(), EventsModule.forRoot(), EventsQueueModule] })
 * export class AppModule {}
 */
@Global()
@Module({
  providers: [QueuedListeners, { provide: EVENTS_LISTENER_QUEUE, useExisting: QueuedListeners }],
  exports: [QueuedListeners, EVENTS_LISTENER_QUEUE],
})
export class EventsQueueModule {}
