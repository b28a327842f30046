import { QueryFailedError, type EntityManager } from 'typeorm';

/**
 * How long a statement may wait for a row lock before the request gives up (10 s): far longer
 * than the per-query deadline (DATABASE_QUERY_TIMEOUT_MS, 1 s), which is for a silent network.
 */
export const LOCK_WAIT_TIMEOUT_MS = 10_000;

interface MysqlConnection {
  promise(): {
    query(options: { sql: string; timeout: number }, values: unknown[]): Promise<[unknown]>;
  };
  destroy(): void;
}

/**
 * Runs a locking statement (`SELECT … FOR UPDATE`) in `manager`'s transaction with a deadline
 * of its own. On a busy but healthy database, writers of one row take turns: the last in line
 * may wait longer than the per-query deadline, and that is a queue, not an outage, so it must
 * not answer 503 (docs/decisions/0026-deadlines.md, "Row locks"). A wait past `timeoutMs`
 * closes the connection (the server then rolls the transaction back) and fails like a query
 * deadline: 503. On SQLite (no row locks) it is an ordinary query.
 */
export async function lockRows(
  manager: EntityManager,
  sql: string,
  params: unknown[] = [],
  timeoutMs = LOCK_WAIT_TIMEOUT_MS,
): Promise<unknown> {
  const type = manager.connection.options.type;
  const runner = manager.queryRunner as unknown as
    { connect(): Promise<MysqlConnection> } | undefined;
  if (!runner || (type !== 'mysql' && type !== 'mariadb')) return manager.query(sql, params);
  const connection = await runner.connect();
  try {
    const [rows] = await connection.promise().query({ sql, timeout: timeoutMs }, params);
    return rows;
  } catch (error) {
    // mysql2 keeps a timed-out connection busy waiting for the answer: drop it instead.
    if ((error as { code?: unknown }).code === 'PROTOCOL_SEQUENCE_TIMEOUT') connection.destroy();
    throw new QueryFailedError(sql, params, error as Error);
  }
}
