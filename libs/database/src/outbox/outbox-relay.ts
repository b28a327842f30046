import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TransactionHost } from '../transactions/transaction-host';
import { OUTBOX_MODULE_OPTIONS, OUTBOX_TABLE } from './outbox.constants';
import type { OutboxHandler, OutboxModuleOptions } from './outbox.interfaces';
import { OutboxMessages } from './outbox.messages';
import { ensureOutboxTable, type OutboxRow } from './outbox.table';

/**
 * Delivers outbox rows to their topic's handler: woken after each commit that added one,
 * polling for the rest (rows of other nodes, retries, rows a crash left pending). A node claims
 * a row with a conditional UPDATE before delivering it, so two nodes do not both deliver it
 * (a node that dies holding a claim loses it after `leaseMs`); the handler is idempotent on
 * the row id, so a delivery repeated after a crash changes nothing.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private readonly handlers = new Map<string, OutboxHandler>();
  /** Who claims: this process. */
  readonly node = randomUUID();
  private timer?: NodeJS.Timeout;
  /** The next retry's wake-up, when it comes before the next poll. */
  private retryTimer?: { at: number; timer: NodeJS.Timeout };
  private running?: Promise<void>;
  private again = false;
  private started = false;
  private stopped = false;
  private lastPurge = 0;

  constructor(
    private readonly transactions: TransactionHost,
    @Inject(OUTBOX_MODULE_OPTIONS) private readonly options: OutboxModuleOptions,
  ) {}

  /** Registers where `topic`'s rows go; libraries register theirs when their module starts. */
  handle<Payload>(topic: string, handler: OutboxHandler<Payload>): void {
    if (this.handlers.has(topic)) throw OutboxMessages.handlerTwice(topic);
    this.handlers.set(topic, handler as OutboxHandler);
    this.wake();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.relay === false) return;
    await ensureOutboxTable(TransactionHost.dataSource);
    this.started = true;
    const poll = () => {
      this.timer = setTimeout(() => {
        this.wake();
        poll();
      }, this.options.pollIntervalMs ?? 1000);
      this.timer.unref();
    };
    poll();
    // Rows a crash left pending go out now.
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer?.timer);
    await this.running;
  }

  /** Runs a round soon (after the current one, if one is running). */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.rounds().finally(() => (this.running = undefined));
  }

  /** Wakes the relay when a retry is due, unless an earlier wake-up is already set. */
  private wakeIn(delay: number): void {
    if (!this.started || this.stopped) return;
    const at = Date.now() + delay;
    if (this.retryTimer && this.retryTimer.at <= at) return;
    clearTimeout(this.retryTimer?.timer);
    const timer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, delay);
    timer.unref();
    this.retryTimer = { at, timer };
  }

  /** Relays until nothing is due; resolves when done (tests and shutdown wait on it). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (!this.started) await ensureOutboxTable(TransactionHost.dataSource);
    while ((await this.round()) > 0);
  }

  private async rounds(): Promise<void> {
    try {
      do {
        this.again = false;
        while (!this.stopped && (await this.round()) >= (this.options.batchSize ?? 100));
      } while (this.again && !this.stopped);
    } catch (error) {
      this.logger.warn(`Outbox relay round failed; retrying on the next poll: ${String(error)}`);
    }
  }

  /** Claims due rows and delivers them; returns how many it claimed. */
  private async round(): Promise<number> {
    const topics = [...this.handlers.keys()];
    if (topics.length === 0) return 0;
    const dataSource = TransactionHost.dataSource;
    const now = Date.now();
    const due = (await dataSource.query(
      `SELECT seq, id, topic, payload, attempts, created_at FROM ${OUTBOX_TABLE} WHERE done_at IS NULL AND available_at <= ? AND topic IN (${topics.map(() => '?').join(', ')}) ORDER BY seq LIMIT ${Math.floor(this.options.batchSize ?? 100)}`,
      [now, ...topics],
    )) as OutboxRow[];
    let claimed = 0;
    for (const row of due) {
      if (this.stopped) break;
      if (!(await this.claim(row.id, now))) continue;
      claimed++;
      await this.deliver(row);
    }
    await this.purge();
    return claimed;
  }

  /** The conditional UPDATE: of two nodes claiming one row, one changes it. */
  private async claim(id: string, now: number): Promise<boolean> {
    const lease = now + (this.options.leaseMs ?? 15_000);
    const affected = await this.write(
      `UPDATE ${OUTBOX_TABLE} SET claimed_by = ?, available_at = ?, attempts = attempts + 1 WHERE id = ? AND done_at IS NULL AND available_at <= ?`,
      [this.node, lease, id, now],
    );
    return affected === 1;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const attempt = Number(row.attempts) + 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      const limit = this.options.deliveryTimeoutMs ?? 10_000;
      // A handler stuck on an unreachable service must not hold every other row: it counts as
      // failed and is tried again (idempotent, so a late success does no harm).
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
      });
      await Promise.race([
        this.handlers.get(row.topic)!({
          id: row.id,
          topic: row.topic,
          payload: JSON.parse(row.payload) as unknown,
          attempt,
          createdAt: new Date(Number(row.created_at)),
        }),
        timedOut,
      ]);
    } catch (error) {
      const base = this.options.retryDelayMs ?? 500;
      const delay = Math.min(this.options.maxRetryDelayMs ?? 60_000, base * 2 ** (attempt - 1));
      this.logger.warn(
        `Outbox row ${row.id} (${row.topic}) not delivered (attempt ${attempt}); next try in ${delay} ms: ${String(error)}`,
      );
      const rescheduled = await this.write(
        `UPDATE ${OUTBOX_TABLE} SET available_at = ?, last_error = ? WHERE id = ? AND claimed_by = ? AND done_at IS NULL`,
        [Date.now() + delay, String(error).slice(0, 2000), row.id, this.node],
      ).then(
        () => true,
        () => false,
      );
      // Not rescheduled: the row comes back when its lease runs out, so wake then, not at the next poll.
      this.wakeIn(rescheduled ? delay : (this.options.leaseMs ?? 15_000));
      return;
    } finally {
      clearTimeout(timer);
    }
    await this.write(
      `UPDATE ${OUTBOX_TABLE} SET done_at = ?, last_error = NULL WHERE id = ? AND done_at IS NULL`,
      [Date.now(), row.id],
    );
  }

  /** Delivered rows are kept a while (to look into), then deleted; once a minute at most. */
  private async purge(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.write(`DELETE FROM ${OUTBOX_TABLE} WHERE done_at IS NOT NULL AND done_at < ?`, [
      now - (this.options.keepDeliveredMs ?? 3_600_000),
    ]);
  }

  /**
   * One statement in its own transaction: on SQLite that waits for the transaction in progress
   * instead of joining it (the driver has one connection; see TransactionHost.run).
   */
  private write(sql: string, params: unknown[]): Promise<number> {
    return this.transactions.run(async (manager) => {
      const result = (await manager.queryRunner!.query(sql, params, true)) as {
        affected?: number;
      };
      return result.affected ?? 0;
    });
  }
}
