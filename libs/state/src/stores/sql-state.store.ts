import type { DataSource, EntityManager } from 'typeorm';
import { StateConflictError } from '../errors/state-conflict.error';
import type { PendingEvent, Snapshot, StateEvent, VersionRange } from '../state.interfaces';
import { StateMessages } from '../state.messages';
import { afterCommit } from './after-commit';
import { type AppendOptions, StateStore } from './state-store';

const EVENTS = 'lattice_state_events';
const SNAPSHOTS = 'lattice_state_snapshots';

/** Tables, created on first use (see docs/decisions/0013-state-store-design.md). */
const SCHEMA = {
  sqlite: [
    `CREATE TABLE IF NOT EXISTS ${EVENTS} (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL, event_id CHAR(36) NOT NULL, type VARCHAR(100) NOT NULL, payload TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, version))`,
    `CREATE TABLE IF NOT EXISTS ${SNAPSHOTS} (stream_id VARCHAR(255) NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (stream_id, version))`,
  ],
  mysql: [
    `CREATE TABLE IF NOT EXISTS ${EVENTS} (position BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, stream_id VARCHAR(255) NOT NULL, version INT UNSIGNED NOT NULL, event_id CHAR(36) NOT NULL, type VARCHAR(100) NOT NULL, payload LONGTEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE KEY uq_lattice_state_stream_version (stream_id, version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    `CREATE TABLE IF NOT EXISTS ${SNAPSHOTS} (stream_id VARCHAR(255) NOT NULL, version INT UNSIGNED NOT NULL, body LONGTEXT NOT NULL, PRIMARY KEY (stream_id, version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  ],
};

interface EventRow {
  position: number | string;
  stream_id: string;
  version: number | string;
  event_id: string;
  type: string;
  payload: string;
  metadata: string;
}

/** "This (stream, version) exists": another node appended first. */
const TAKEN_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE']);
/** Lock races InnoDB reports when appends collide; the statement is run again. */
const TRANSIENT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_AUTOINC_READ_FAILED']);
const TRANSIENT_ATTEMPTS = 5;

/**
 * Streams in the SQL database DatabaseModule connects to (SQLite or MySQL). One append is
 * one INSERT … SELECT whose WHERE checks the expected version, so it is atomic without a
 * transaction; the unique (stream_id, version) key settles two nodes racing for a version.
 * Positions come from the auto-increment key: on MySQL, rows of concurrent appends can
 * become visible out of position order, so `readAll` suits projections that re-read.
 */
export class SqlStateStore extends StateStore {
  readonly kind = 'sql';
  private ready?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    /** Set for a view inside a transaction (see `within`): reads go through it. */
    private readonly transaction?: EntityManager,
  ) {
    super();
  }

  /** What reads run on: the transaction of a view, the DataSource otherwise. */
  private get db(): DataSource | EntityManager {
    return this.transaction ?? this.dataSource;
  }

  /**
   * The store as seen inside `transaction`: its reads see the transaction's own appends and take
   * no second connection from the pool (a transaction waiting for one while holding its own
   * can starve the pool). For reads only; append with `{ transaction }` on the store itself.
   */
  override within(transaction: EntityManager): StateStore {
    const view = new SqlStateStore(this.dataSource, transaction);
    // The view never creates the tables: on MySQL a CREATE TABLE would commit the transaction.
    view.ready = this.schema();
    return view;
  }

  private get dialect(): 'sqlite' | 'mysql' {
    return this.dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
  }

  async append(
    streamId: string,
    events: PendingEvent[],
    expectedVersion: number,
    options: AppendOptions = {},
  ): Promise<StateEvent[]> {
    await this.schema();
    const transaction = options.transaction;
    const rows = events.map((event, index) => [
      streamId,
      expectedVersion + index + 1,
      event.id,
      event.type,
      JSON.stringify(event.payload),
      JSON.stringify(event.metadata),
    ]);
    const values = rows
      .map((_, index) =>
        index === 0
          ? 'SELECT ? AS stream_id, ? AS version, ? AS event_id, ? AS type, ? AS payload, ? AS metadata'
          : 'SELECT ?, ?, ?, ?, ?, ?',
      )
      .join(' UNION ALL ');
    const params: unknown[] = [...rows.flat(), streamId, expectedVersion];
    let sql =
      `INSERT INTO ${EVENTS} (stream_id, version, event_id, type, payload, metadata) ` +
      `SELECT v.stream_id, v.version, v.event_id, v.type, v.payload, v.metadata FROM (${values}) v ` +
      `WHERE (SELECT COALESCE(MAX(version), 0) FROM ${EVENTS} WHERE stream_id = ?) = ?`;
    if (options.idempotent) {
      if (await this.holds(streamId, events[0].id, transaction)) return [];
      sql += ` AND NOT EXISTS (SELECT 1 FROM ${EVENTS} WHERE stream_id = ? AND event_id = ?)`;
      params.push(streamId, events[0].id);
    }
    const result = await this.insert(sql, params, transaction);
    if (!result.affected) {
      if (options.idempotent && (await this.holds(streamId, events[0].id, transaction))) return [];
      const actual = await this.version(streamId, transaction);
      if (expectedVersion > actual)
        throw StateMessages.versionSkipped(streamId, expectedVersion, actual);
      throw new StateConflictError(streamId, expectedVersion, actual);
    }
    const positions = await this.positions(
      streamId,
      expectedVersion,
      events.length,
      result.raw,
      transaction,
    );
    const stored = events.map((event, index) => ({
      ...event,
      streamId,
      version: expectedVersion + index + 1,
      position: positions[index],
    }));
    // Listeners hear what others can read: in a transaction, that is after its commit.
    if (transaction) afterCommit(transaction, () => this.emitAppended(stored));
    else this.emitAppended(stored);
    return stored;
  }

  /** Whether the stream holds an event with this id (an idempotent append already made). */
  private async holds(
    streamId: string,
    eventId: string,
    transaction?: EntityManager,
  ): Promise<boolean> {
    const rows = (await (transaction ?? this.db).query(
      `SELECT 1 AS found FROM ${EVENTS} WHERE stream_id = ? AND event_id = ? LIMIT 1`,
      [streamId, eventId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Runs the guarded INSERT; a lost race for the version counts as nothing inserted. */
  private async insert(
    sql: string,
    params: unknown[],
    transaction?: EntityManager,
  ): Promise<{ affected?: number; raw: unknown }> {
    if (transaction) {
      // In a transaction a failed statement is the caller's to handle: InnoDB may have rolled
      // the whole transaction back (a deadlock), so running the statement again is wrong.
      try {
        return await transaction.queryRunner!.query(sql, params, true);
      } catch (error) {
        if (TAKEN_CODES.has((error as { code?: string }).code ?? ''))
          return { affected: 0, raw: undefined };
        throw error;
      }
    }
    for (let attempt = 1; ; attempt++) {
      const runner = this.dataSource.createQueryRunner();
      try {
        return await runner.query(sql, params, true);
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (TAKEN_CODES.has(code)) return { affected: 0, raw: undefined };
        if (!TRANSIENT_CODES.has(code) || attempt >= TRANSIENT_ATTEMPTS) throw error;
      } finally {
        await runner.release();
      }
    }
  }

  async read(streamId: string, range: VersionRange = {}): Promise<StateEvent[]> {
    await this.schema();
    const from = Math.max(1, range.from ?? 1);
    const params: unknown[] = [streamId, from];
    let sql = `SELECT * FROM ${EVENTS} WHERE stream_id = ? AND version >= ?`;
    if (range.to !== undefined) {
      sql += ' AND version <= ?';
      params.push(range.to);
    }
    sql += ' ORDER BY version';
    if (range.limit !== undefined) sql += ` LIMIT ${Math.floor(range.limit)}`;
    const rows = (await this.db.query(sql, params)) as EventRow[];
    return rows.map((row) => toEvent(row));
  }

  async readAll(after = 0, limit = 1000): Promise<StateEvent[]> {
    await this.schema();
    const rows = (await this.db.query(
      `SELECT * FROM ${EVENTS} WHERE position > ? ORDER BY position LIMIT ${Math.floor(limit)}`,
      [after],
    )) as EventRow[];
    return rows.map((row) => toEvent(row));
  }

  async lastPosition(): Promise<number> {
    await this.schema();
    const [row] = (await this.db.query(
      `SELECT COALESCE(MAX(position), 0) AS position FROM ${EVENTS}`,
    )) as { position: number | string }[];
    return Number(row.position);
  }

  async version(streamId: string, transaction?: EntityManager): Promise<number> {
    await this.schema();
    const [row] = (await (transaction ?? this.db).query(
      `SELECT COALESCE(MAX(version), 0) AS version FROM ${EVENTS} WHERE stream_id = ?`,
      [streamId],
    )) as { version: number | string }[];
    return Number(row.version);
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.schema();
    const body = JSON.stringify(snapshot);
    const sql =
      this.dialect === 'sqlite'
        ? `INSERT INTO ${SNAPSHOTS} (stream_id, version, body) VALUES (?, ?, ?) ON CONFLICT (stream_id, version) DO UPDATE SET body = excluded.body`
        : `INSERT INTO ${SNAPSHOTS} (stream_id, version, body) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE body = VALUES(body)`;
    await this.dataSource.query(sql, [snapshot.streamId, snapshot.version, body]);
  }

  async loadSnapshot(streamId: string, atOrBefore?: number): Promise<Snapshot | undefined> {
    await this.schema();
    const params: unknown[] = [streamId];
    let sql = `SELECT body FROM ${SNAPSHOTS} WHERE stream_id = ?`;
    if (atOrBefore !== undefined) {
      sql += ' AND version <= ?';
      params.push(atOrBefore);
    }
    const [row] = (await this.db.query(`${sql} ORDER BY version DESC LIMIT 1`, params)) as {
      body: string;
    }[];
    return row ? (JSON.parse(row.body) as Snapshot) : undefined;
  }

  private schema(): Promise<void> {
    this.ready ??= (async () => {
      for (const statement of SCHEMA[this.dialect]) await this.dataSource.query(statement);
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Positions of the rows just inserted: from the driver when they are known to be consecutive. */
  private async positions(
    streamId: string,
    expectedVersion: number,
    count: number,
    raw: unknown,
    transaction?: EntityManager,
  ): Promise<number[]> {
    const consecutive = (first: number) => Array.from({ length: count }, (_, i) => first + i);
    // SQLite has one writer, so a statement's rowids are consecutive; it reports the last.
    if (this.dialect === 'sqlite') return consecutive(Number(raw) - count + 1);
    const insertId = (raw as { insertId?: number | string } | undefined)?.insertId;
    if (count === 1 && insertId !== undefined) return [Number(insertId)];
    const rows = (await (transaction ?? this.db).query(
      `SELECT position FROM ${EVENTS} WHERE stream_id = ? AND version > ? AND version <= ? ORDER BY version`,
      [streamId, expectedVersion, expectedVersion + count],
    )) as { position: number | string }[];
    return rows.map((row) => Number(row.position));
  }
}

function toEvent(row: EventRow): StateEvent {
  try {
    return {
      id: row.event_id,
      streamId: row.stream_id,
      version: Number(row.version),
      position: Number(row.position),
      type: row.type,
      payload: JSON.parse(row.payload) as unknown,
      metadata: JSON.parse(row.metadata) as StateEvent['metadata'],
    };
  } catch (error) {
    throw StateMessages.corruptEvent(row.stream_id, `version ${row.version}: ${String(error)}`);
  }
}
