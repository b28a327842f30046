import { TransactionHost } from '@lattice/database';
import { Outbox } from '@lattice/database/outbox';
import { Injectable } from '@nestjs/common';
import { StateManager, type Dispatchable } from '../state-manager';
import type { DispatchOptions, DispatchResult, PendingEvent } from '../state.interfaces';
import { StateMessages } from '../state.messages';

/** The outbox topic of state appends. */
export const STATE_OUTBOX_TOPIC = 'lattice.state';

/** What a state outbox row holds: events prepared (validated, stamped) in the transaction. */
export interface StateOutboxPayload {
  streamId: string;
  events: PendingEvent[];
}

/** How `StateOutbox.dispatch` appended. */
export type AppendWithRowResult<S> =
  { via: 'transaction'; result: DispatchResult<S> } | { via: 'outbox'; outboxId: string };

/**
 * "Append with the row": events that count rows are written in the rows' transaction, so both
 * commit or neither does. For a stream in the 'sql' store the events are appended in the
 * transaction itself; for any other store (Redis, memory) they are written as an outbox row
 * and appended after the commit by the relay, at least once and applied once (the first
 * event's id is the idempotency key).
 *
 * @example
 * @Transactional()
 * async vote(questionId: number, userId: number) {
 *   await this.votes.insert({ ... });
 *   await this.stateOutbox.dispatch(`question:${questionId}`, { type: 'voted', payload: { value: 1 } });
 * }
 */
@Injectable()
export class StateOutbox {
  constructor(
    private readonly state: StateManager,
    private readonly transactions: TransactionHost,
    private readonly outbox: Outbox,
  ) {}

  async dispatch<S = unknown>(
    streamId: string,
    input: Dispatchable<S>,
    options: Omit<DispatchOptions, 'transaction'> = {},
  ): Promise<AppendWithRowResult<S>> {
    if (!this.transactions.active) throw StateMessages.outboxNeedsTransaction(streamId);
    if (this.state.storeOf(streamId).kind === 'sql') {
      const result = await this.state.dispatch(streamId, input, {
        ...options,
        transaction: this.transactions.manager,
      });
      return { via: 'transaction', result };
    }
    if (typeof input === 'function') throw StateMessages.transactionCommandUnsupported(streamId);
    const events = this.state.prepare(streamId, input, options);
    const payload: StateOutboxPayload = { streamId, events };
    const outboxId = await this.outbox.add(STATE_OUTBOX_TOPIC, payload, { id: events[0].id });
    return { via: 'outbox', outboxId };
  }
}
