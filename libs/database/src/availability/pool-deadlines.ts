import { LatticeError } from '@lattice/core';

type Callback = (error: Error | null, connection?: { release(): void }) => void;
interface Pool {
  getConnection(callback: Callback): void;
}

/**
 * mysql2's pool has no acquire timeout: when every connection is busy (or stuck on a silent
 * network), a request waits for one indefinitely. This gives each wait a deadline; a connection
 * that arrives after it is handed back to the pool.
 */
export function boundPoolAcquire(pool: Pool, timeoutMs: number): void {
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (callback: Callback) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      callback(
        new LatticeError(
          'LATTICE_DB_POOL_TIMEOUT',
          `No database connection became free within ${timeoutMs} ms.`,
          'The database is slow or unreachable, or the pool is too small for the load (DatabaseModule poolSize, timeouts.acquireMs).',
        ),
      );
    }, timeoutMs);
    getConnection((error, connection) => {
      if (expired) {
        connection?.release();
        return;
      }
      clearTimeout(timer);
      callback(error, connection);
    });
  };
}

/**
 * Runs `work` (migrations, schema changes) without the per-query deadline, which is meant for
 * requests: an ALTER TABLE may rightly take minutes. Other queries running meanwhile have no
 * deadline either.
 */
export async function withoutQueryDeadline<T>(
  dataSource: { driver: { options: unknown } },
  work: () => Promise<T>,
): Promise<T> {
  const options = dataSource.driver.options as { enableQueryTimeout?: boolean };
  const enabled = options.enableQueryTimeout;
  options.enableQueryTimeout = false;
  try {
    return await work();
  } finally {
    options.enableQueryTimeout = enabled;
  }
}
