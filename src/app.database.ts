import type { LatticeDrivers } from '@lattice/core';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * TypeORM on the database core selected: SQLite by default, MySQL by DATABASE_URL.
 * A stop-gap until @lattice/database owns this wiring.
 */
export function databaseOptions(drivers: LatticeDrivers): TypeOrmModuleOptions {
  const db = drivers.database;
  const common = { autoLoadEntities: true, retryAttempts: 2, retryDelay: 1000 } as const;
  if (db.kind === 'mysql')
    return { ...common, type: 'mysql', url: db.url, timezone: 'Z', charset: 'utf8mb4' };
  if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
  return { ...common, type: 'better-sqlite3', database: db.path };
}
