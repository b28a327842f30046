import { classifyDatabaseError, lockRows } from '@lattice/database';
import { DataSource, type EntityManager } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { createTestDatabase, type TestDatabase } from '../../support/test-resources';
import { waitFor } from '../../support/wait';

/**
 * A statement waiting for a row lock has its own deadline (lockRows), not the per-query one: a
 * busy row is a queue of writers, not an outage (decision 0026, "Row locks").
 */
describeWith(['mysql'], 'lockRows on MariaDB', () => {
  const QUERY_DEADLINE_MS = 200;
  let database: TestDatabase;
  let dataSource: DataSource;
  /** Where the other writer holds the row: no deadline. */
  let holderSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource({
      type: 'mysql',
      url: database.url,
      maxQueryExecutionTime: QUERY_DEADLINE_MS,
      enableQueryTimeout: true,
      // TypeORM prints every statement slower than the deadline (a COMMIT under load).
      logger: {
        logQuery: () => undefined,
        logQueryError: () => undefined,
        logQuerySlow: () => undefined,
        logSchemaBuild: () => undefined,
        logMigration: () => undefined,
        log: () => undefined,
      },
    }).initialize();
    holderSource = await new DataSource({ type: 'mysql', url: database.url }).initialize();
    await dataSource.query('CREATE TABLE rows_to_lock (id INT PRIMARY KEY)');
    await dataSource.query('INSERT INTO rows_to_lock (id) VALUES (1)');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await holderSource?.destroy();
    await database?.drop();
  });

  /** Holds row 1 until `release` is called. */
  async function holdRow(): Promise<{ release(): void; done: Promise<unknown> }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const done = holderSource.transaction(async (manager) => {
      await manager.query('SELECT id FROM rows_to_lock WHERE id = 1 FOR UPDATE');
      locked();
      await released;
    });
    await isLocked;
    return { release, done };
  }

  const lockInTransaction = (lock: (manager: EntityManager) => Promise<unknown>) =>
    dataSource.transaction(lock);

  it('waits in line past the query deadline and gets the row when it is released', async () => {
    const holder = await holdRow();
    const started = Date.now();
    let settled = false;
    const waiting = lockInTransaction((manager) =>
      lockRows(manager, 'SELECT id FROM rows_to_lock WHERE id = ? FOR UPDATE', [1]),
    ).finally(() => (settled = true));
    // Still waiting well after a plain query would have given up.
    await waitFor(() => Date.now() - started > 2 * QUERY_DEADLINE_MS, {
      what: 'twice the query deadline',
    });
    expect(settled).toBe(false);
    holder.release();
    await expect(waiting).resolves.toEqual([{ id: 1 }]);
    await holder.done;
  });

  it('gives up after its own deadline: 503, and the connection is not reused', async () => {
    const holder = await holdRow();
    const error = await lockInTransaction((manager) =>
      lockRows(manager, 'SELECT id FROM rows_to_lock WHERE id = ? FOR UPDATE', [1], 300),
    ).catch((e: unknown) => e);
    holder.release();
    await holder.done;
    expect(classifyDatabaseError(error)).toMatchObject({ reason: 'no answer in time' });
    // The pool still serves (the timed-out connection was dropped, not handed out busy).
    await expect(dataSource.query('SELECT 1 AS ok')).resolves.toEqual([{ ok: 1 }]);
  });
});
