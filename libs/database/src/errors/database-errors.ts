import {
  ConflictError,
  ServiceUnavailableError,
  type DependencyErrorClassifier,
  type DependencyFailure,
} from '@lattice/core';
import { QueryFailedError } from 'typeorm';

/** The service name in messages: "The database is unreachable (connection refused): try again shortly." */
export const DATABASE_SERVICE = 'The database';

/** Driver codes (mysql2, better-sqlite3, Node's sockets) that mean "the database cannot serve this now". */
const UNAVAILABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'no answer in time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EPIPE: 'connection lost',
  PROTOCOL_CONNECTION_LOST: 'connection lost',
  PROTOCOL_SEQUENCE_TIMEOUT: 'no answer in time',
  PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR: 'connection lost',
  PROTOCOL_ENQUEUE_AFTER_QUIT: 'connection closed',
  ER_CON_COUNT_ERROR: 'too many connections',
  ER_SERVER_SHUTDOWN: 'the server is shutting down',
  ER_LOCK_WAIT_TIMEOUT: 'a lock was held too long',
  ER_QUERY_TIMEOUT: 'the query took too long',
  ER_STATEMENT_TIMEOUT: 'the query took too long',
  LATTICE_DB_POOL_TIMEOUT: 'no free connection in time',
  SQLITE_BUSY: 'the database file is busy',
  SQLITE_LOCKED: 'the database file is locked',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'a disk error',
  SQLITE_READONLY: 'the database file is read-only',
};

/** Messages mysql2 gives without a code. */
const UNAVAILABLE_MESSAGES: Array<[RegExp, string]> = [
  [/^Queue limit reached\.$/, 'too many requests waiting for a connection'],
  [/^Pool is closed\.$/, 'the connection pool is closed'],
  [/^No connections available\.$/, 'no free connection'],
  // A connection closed under a transaction (its query passed the deadline, or the server went).
  [/^Can't add new command when connection is in closed state$/, 'connection closed'],
  [/^Can't write in closed state$/, 'connection closed'],
];

interface DriverError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  sqlState?: unknown;
  message?: unknown;
}

/** Whether an error came from a database driver (and not, say, an HTTP client with the same socket codes). */
function driverError(error: unknown): DriverError | undefined {
  if (error instanceof QueryFailedError) return error.driverError as DriverError;
  // Not `instanceof Error`: socket errors may come from another realm (Node's own, under Jest).
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string')
    return undefined;
  const candidate = error as Error & DriverError;
  const code = typeof candidate.code === 'string' ? candidate.code : '';
  const fromDriver =
    candidate.name === 'SqliteError' ||
    code.startsWith('SQLITE_') ||
    code.startsWith('LATTICE_DB_') ||
    candidate.fatal === true || // mysql2 marks connection failures fatal
    candidate.sqlState !== undefined ||
    UNAVAILABLE_MESSAGES.some(([match]) => match.test(candidate.message));
  return fromDriver ? candidate : undefined;
}

/**
 * What a database error means for the client: 503 when the database cannot serve now
 * (unreachable, pool exhausted, timeout, busy file), 409 for a conflict (a unique value taken,
 * a deadlock), `undefined` for anything else (a bug, reported as 500). Knows mysql2's and
 * better-sqlite3's codes; `DatabaseModule` registers it with core's `DependencyErrors`.
 */
export const classifyDatabaseError: DependencyErrorClassifier = (
  error,
): DependencyFailure | undefined => {
  const driver = driverError(error);
  if (!driver) return undefined;
  const code = typeof driver.code === 'string' ? driver.code : '';
  const message = typeof driver.message === 'string' ? driver.message : '';
  const reason =
    UNAVAILABLE[code] ??
    (code.startsWith('SQLITE_IOERR') ? UNAVAILABLE.SQLITE_IOERR : undefined) ??
    (code.startsWith('SQLITE_BUSY') ? UNAVAILABLE.SQLITE_BUSY : undefined) ??
    UNAVAILABLE_MESSAGES.find(([match]) => match.test(message))?.[1];
  if (reason) return new ServiceUnavailableError(DATABASE_SERVICE, reason, 1, { cause: error });
  if (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  )
    return new ConflictError(
      `Another record already has this ${uniqueKey(code, message) ?? 'value'}.`,
      'Choose another value, or update the existing record.',
      { cause: error },
    );
  if (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_ABORTED' ||
    code === 'ER_AUTOINC_READ_FAILED'
  )
    return new ConflictError(
      'The change collided with a concurrent one and was rolled back.',
      'Send the request again.',
      { cause: error },
    );
  return undefined;
};

/** The index or column that was violated, without the value (which may be private). */
function uniqueKey(code: string, message: string): string | undefined {
  if (code === 'ER_DUP_ENTRY') return /for key '(?:[^.']+\.)?([^']+)'/.exec(message)?.[1];
  return /constraint failed: ([\w., ]+)/
    .exec(message)?.[1]
    ?.split(',')
    .map((column) => column.trim().split('.').pop())
    .join(', ');
}
