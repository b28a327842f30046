import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { runId, TEST_MYSQL_URL } from './services';

/** Databases of one run are named `lattice_t_<run>_<random>`; teardown drops them all. */
export function testDatabasePrefix(run = runId()): string {
  return `lattice_t_${run}_`;
}

/** Redis keys and channels of one run start with `lattice:t:<run>:`; teardown deletes them all. */
export function testRedisPrefix(run = runId()): string {
  return `lattice:t:${run}:`;
}

export interface TestDatabase {
  name: string;
  /** The mysql:// URL of the new database. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file, so files running in parallel never share tables. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = testDatabasePrefix() + randomBytes(3).toString('hex');
  const admin = await createConnection({ uri: TEST_MYSQL_URL });
  try {
    await admin.query(
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const connection = await createConnection({ uri: TEST_MYSQL_URL });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

/** A Redis key prefix unique to one test file (and one run). */
export function uniqueRedisPrefix(label: string): string {
  return `${testRedisPrefix()}${label}:${randomBytes(3).toString('hex')}:`;
}
