import { ConflictError, DependencyErrors, ServiceUnavailableError } from '@lattice/core';
import { QueryFailedError } from 'typeorm';
import { classifyDatabaseError } from './database-errors';

// better-sqlite3 ships no types; these two methods are all the test needs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (path: string) => {
  exec(sql: string): void;
  close(): void;
};

/** An error shaped as mysql2 makes them (code, errno, sqlState; `fatal` for connection failures). */
function mysqlError(
  code: string,
  message: string,
  extra: { errno?: number; sqlState?: string; fatal?: boolean } = {},
): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

const queryFailed = (driverError: Error) =>
  new QueryFailedError('INSERT INTO t VALUES (?)', [1], driverError);

/** A real better-sqlite3 error from running `sql` on a fresh in-memory database. */
function sqliteError(...sql: string[]): Error {
  const db = new Database(':memory:');
  try {
    for (const statement of sql) db.exec(statement);
  } catch (error) {
    return error as Error;
  } finally {
    db.close();
  }
  throw new Error('expected the SQL to fail');
}

describe('classifyDatabaseError', () => {
  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306', 'connection refused'],
    ['ETIMEDOUT', 'connect ETIMEDOUT', 'no answer in time'],
    [
      'PROTOCOL_CONNECTION_LOST',
      'Connection lost: The server closed the connection.',
      'connection lost',
    ],
    ['ER_CON_COUNT_ERROR', 'Too many connections', 'too many connections'],
  ])(
    'maps the mysql2 connection failure %s to 503 naming the database',
    (code, message, reason) => {
      const failure = classifyDatabaseError(mysqlError(code, message, { fatal: true }));
      expect(failure).toBeInstanceOf(ServiceUnavailableError);
      expect(failure).toMatchObject({
        service: 'The database',
        reason,
        retryAfterSeconds: 1,
        message: `The database is unreachable (${reason}): try again shortly.`,
      });
    },
  );

  it('maps a query timeout and a lock wait timeout, wrapped by TypeORM, to 503', () => {
    const timeout = mysqlError('PROTOCOL_SEQUENCE_TIMEOUT', 'Query inactivity timeout', {
      fatal: true,
    });
    expect(classifyDatabaseError(queryFailed(timeout))).toMatchObject({
      reason: 'no answer in time',
    });
    const lockWait = mysqlError('ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout exceeded', {
      errno: 1205,
      sqlState: 'HY000',
    });
    expect(classifyDatabaseError(queryFailed(lockWait))).toBeInstanceOf(ServiceUnavailableError);
  });

  it('maps a query on a connection closed under its transaction (mysql2, no code) to 503', () => {
    // What the statement after a timed-out one gets, e.g. a rollback: it used to be a 500.
    const closed = Object.assign(
      new Error("Can't add new command when connection is in closed state"),
      { fatal: true },
    );
    expect(classifyDatabaseError(queryFailed(closed))).toMatchObject({
      reason: 'connection closed',
    });
    expect(classifyDatabaseError(closed)).toBeInstanceOf(ServiceUnavailableError);
  });

  it("maps mysql2's pool errors and Lattice's acquire deadline to 503", () => {
    expect(classifyDatabaseError(new Error('Queue limit reached.'))).toMatchObject({
      reason: 'too many requests waiting for a connection',
    });
    expect(classifyDatabaseError(new Error('Pool is closed.'))).toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(
      classifyDatabaseError(
        Object.assign(new Error('No database connection became free within 1000 ms.'), {
          code: 'LATTICE_DB_POOL_TIMEOUT',
        }),
      ),
    ).toMatchObject({ reason: 'no free connection in time' });
  });

  it('maps a MySQL unique violation to 409 naming the key but not the value', () => {
    const failure = classifyDatabaseError(
      queryFailed(
        mysqlError('ER_DUP_ENTRY', "Duplicate entry 'ann@example.com' for key 'users.email'", {
          errno: 1062,
          sqlState: '23000',
        }),
      ),
    );
    expect(failure).toBeInstanceOf(ConflictError);
    expect(failure?.message).toBe('Another record already has this email.');
    expect(failure?.message).not.toContain('ann@example.com');
  });

  it('maps a deadlock to 409', () => {
    const deadlock = mysqlError(
      'ER_LOCK_DEADLOCK',
      'Deadlock found when trying to get lock; try restarting transaction',
      { errno: 1213, sqlState: '40001' },
    );
    expect(classifyDatabaseError(queryFailed(deadlock))).toMatchObject({
      code: 'LATTICE_CONFLICT',
      message: 'The change collided with a concurrent one and was rolled back.',
    });
  });

  it("maps MariaDB's AUTO-INC lock failure (a deadlock or timeout in INSERT … SELECT) to 409", () => {
    const autoinc = mysqlError(
      'ER_AUTOINC_READ_FAILED',
      'Failed to read auto-increment value from storage engine',
      { errno: 1467, sqlState: 'HY000' },
    );
    expect(classifyDatabaseError(queryFailed(autoinc))).toMatchObject({ code: 'LATTICE_CONFLICT' });
  });

  it('maps real better-sqlite3 unique and primary-key violations to 409', () => {
    const unique = sqliteError(
      'CREATE TABLE users (email TEXT UNIQUE)',
      "INSERT INTO users VALUES ('a')",
      "INSERT INTO users VALUES ('a')",
    );
    expect((unique as { code?: string }).code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(classifyDatabaseError(queryFailed(unique))).toMatchObject({
      message: 'Another record already has this email.',
    });
    const primary = sqliteError(
      'CREATE TABLE t (id INTEGER PRIMARY KEY)',
      'INSERT INTO t VALUES (1)',
      'INSERT INTO t VALUES (1)',
    );
    expect(classifyDatabaseError(primary)).toBeInstanceOf(ConflictError);
  });

  it('maps SQLITE_BUSY (another writer holds the file) to 503', () => {
    const busy = Object.assign(new Error('database is locked'), {
      name: 'SqliteError',
      code: 'SQLITE_BUSY',
    });
    expect(classifyDatabaseError(busy)).toMatchObject({ reason: 'the database file is busy' });
  });

  it('leaves bugs alone: SQL errors and errors from other clients stay 500', () => {
    expect(classifyDatabaseError(sqliteError('SELECT * FROM missing'))).toBeUndefined();
    const syntax = mysqlError('ER_PARSE_ERROR', 'You have an error in your SQL syntax', {
      errno: 1064,
      sqlState: '42000',
    });
    expect(classifyDatabaseError(queryFailed(syntax))).toBeUndefined();
    // The same socket code from an HTTP client is not the database's.
    expect(
      classifyDatabaseError(Object.assign(new Error('fetch failed'), { code: 'ECONNREFUSED' })),
    ).toBeUndefined();
    expect(classifyDatabaseError(new TypeError('x is undefined'))).toBeUndefined();
  });

  it('is found through DependencyErrors, also in a cause chain', () => {
    const errors = new DependencyErrors();
    errors.add(classifyDatabaseError);
    const refused = mysqlError('ECONNREFUSED', 'connect ECONNREFUSED', { fatal: true });
    const wrapped = new Error('Saving the answer failed', { cause: refused });
    expect(errors.classify(wrapped)).toBeInstanceOf(ServiceUnavailableError);
    expect(errors.classify(new Error('Command timed out'))).toMatchObject({ service: 'Redis' });
    expect(errors.classify(new Error('something else'))).toBeUndefined();
  });
});
