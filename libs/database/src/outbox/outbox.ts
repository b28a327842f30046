import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TransactionHost } from '../transactions/transaction-host';
import { OUTBOX_TABLE } from './outbox.constants';
import { OutboxMessages } from './outbox.messages';
import { OutboxRelay } from './outbox-relay';
import { ensureOutboxTable } from './outbox.table';

const TOPIC = /^[\w.:-]{1,100}$/;

/**
 * The transactional outbox: `add()` writes a message as a row in the current transaction, so
 * it exists exactly when the rows written next to it do; the relay delivers it after the
 * commit (at least once, with the row id as the idempotency key).
 *
 * @example
 * @Transactional()
 * async answer(...) {
 *   const answer = await this.answers.create({ ... });
 *   await this.outbox.add('mail', { answerId: answer.id });
 * }
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Writes a message for `topic`'s handler; returns its id. Inside a transaction it commits
   * or rolls back with it; outside one it is written at once.
   */
  async add(topic: string, payload: unknown, options: { id?: string } = {}): Promise<string> {
    if (typeof topic !== 'string' || !TOPIC.test(topic)) throw OutboxMessages.topicInvalid(topic);
    let json: string;
    try {
      json = JSON.stringify(payload ?? null);
    } catch (error) {
      throw OutboxMessages.payloadNotJson(topic, error);
    }
    await ensureOutboxTable(TransactionHost.dataSource);
    const id = options.id ?? randomUUID();
    const now = Date.now();
    await this.transactions.manager.query(
      `INSERT INTO ${OUTBOX_TABLE} (id, topic, payload, attempts, available_at, created_at) VALUES (?, ?, ?, 0, ?, ?)`,
      [id, topic, json, now, now],
    );
    this.transactions.afterCommit(() => this.relay.wake());
    return id;
  }
}
