import { type DynamicModule, Module } from '@nestjs/common';
import { Outbox } from './outbox';
import { OUTBOX_OPTIONS_TYPE, OutboxConfigurableModule } from './outbox.module-definition';
import { OutboxRelay } from './outbox-relay';

/**
 * The transactional outbox on DatabaseModule's connection: `Outbox` to write messages in a
 * transaction, `OutboxRelay` to deliver them. Global; import it once, after DatabaseModule.
 * The state and queue libraries bring their handlers (`@lattice/state/outbox`,
 * `@lattice/queue/outbox`).
 *
 * @example
 * imports: [DatabaseModule.forRoot(), OutboxModule.forRoot(), QueueOutboxModule]
 */
@Module({
  providers: [Outbox, OutboxRelay],
  exports: [Outbox, OutboxRelay],
})
export class OutboxModule extends OutboxConfigurableModule {
  /** The defaults suit most apps (see OutboxModuleOptions). */
  static forRoot(options: typeof OUTBOX_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
