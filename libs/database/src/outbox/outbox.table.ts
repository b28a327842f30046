import type { DataSource } from 'typeorm';
import { OUTBOX_TABLE } from './outbox.constants';

/** `available_at` is when the row may be claimed next: now, after a backoff, or after a lease. */
const SCHEMA = {
  sqlite: [
    `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (seq INTEGER PRIMARY KEY AUTOINCREMENT, id CHAR(36) NOT NULL UNIQUE, topic VARCHAR(100) NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, available_at BIGINT NOT NULL, claimed_by VARCHAR(64) NULL, done_at BIGINT NULL, last_error TEXT NULL, created_at BIGINT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS ix_${OUTBOX_TABLE}_pending ON ${OUTBOX_TABLE} (done_at, available_at)`,
  ],
  mysql: [
    `CREATE TABLE IF NOT EXISTS ${OUTBOX_TABLE} (seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, id CHAR(36) NOT NULL, topic VARCHAR(100) NOT NULL, payload LONGTEXT NOT NULL, attempts INT UNSIGNED NOT NULL DEFAULT 0, available_at BIGINT NOT NULL, claimed_by VARCHAR(64) NULL, done_at BIGINT NULL, last_error TEXT NULL, created_at BIGINT NOT NULL, UNIQUE KEY uq_${OUTBOX_TABLE}_id (id), KEY ix_${OUTBOX_TABLE}_pending (done_at, available_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  ],
};

export interface OutboxRow {
  seq: number | string;
  id: string;
  topic: string;
  payload: string;
  attempts: number | string;
  created_at: number | string;
}

const ready = new WeakMap<DataSource, Promise<void>>();

/**
 * Creates the table once per DataSource. Run it outside a transaction: on MySQL a CREATE TABLE
 * commits the open transaction.
 */
export function ensureOutboxTable(dataSource: DataSource): Promise<void> {
  let done = ready.get(dataSource);
  if (!done) {
    const statements = SCHEMA[dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql'];
    done = (async () => {
      for (const statement of statements) await dataSource.query(statement);
    })();
    done.catch(() => ready.delete(dataSource));
    ready.set(dataSource, done);
  }
  return done;
}
