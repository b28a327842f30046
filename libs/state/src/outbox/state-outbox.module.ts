import { OutboxRelay } from '@lattice/database/outbox';
import { Module, OnModuleInit } from '@nestjs/common';
import { StateManager } from '../state-manager';
import { STATE_OUTBOX_TOPIC, StateOutbox, type StateOutboxPayload } from './state-outbox';

/**
 * `StateOutbox` and the relay's handler for state rows: each row's events are appended to
 * their stream once (a second delivery finds the first event's id and appends nothing).
 * Needs StateModule, DatabaseModule and OutboxModule (`@lattice/database/outbox`).
 */
@Module({
  providers: [StateOutbox],
  exports: [StateOutbox],
})
export class StateOutboxModule implements OnModuleInit {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly state: StateManager,
  ) {}

  onModuleInit(): void {
    this.relay.handle<StateOutboxPayload>(STATE_OUTBOX_TOPIC, async ({ payload }) => {
      await this.state.appendPrepared(payload.streamId, payload.events);
    });
  }
}
