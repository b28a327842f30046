import type { Type } from '@nestjs/common';
import type { EntitySchema, LoggerOptions, MixedList } from 'typeorm';

/** An entity class or an EntitySchema, as TypeORM accepts them. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClassOrSchema = Function | EntitySchema;
import type { Seeder } from './seeding/seeder';

/** Options of `DatabaseModule.forRoot()`. The connection itself comes from core's driver selection. */
export interface DatabaseModuleOptions {
  /** Entities besides those registered with `forFeature()`. */
  entities?: EntityClassOrSchema[];
  /** Create/alter tables from the entities at boot. Development and tests only; default false. */
  synchronize?: boolean;
  /** Migration classes, in addition to those found in `migrationsDir`. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function>;
  /** A directory of migration files (`.ts` from source, `.js` when built); `db:migrate:generate` writes here. */
  migrationsDir?: string;
  /** Run pending migrations when the app starts. Default false (production runs `lattice db:migrate`). */
  migrationsRun?: boolean;
  /** Seeder classes `lattice db:seed` can run. */
  seeders?: Type<Seeder>[];
  /** Most connections in the MySQL pool (default 10). SQLite uses one connection. */
  poolSize?: number;
  /** Log queries slower than this many ms (default 200; 0 = off). */
  slowQueryMs?: number;
  /**
   * Warn when one query shape runs more than this many times in one request (default 10;
   * 0 = off). On by default outside production.
   */
  nPlusOneThreshold?: number;
  /** Default duration of `.cache(true)` queries in ms (default 30 s). */
  cacheDurationMs?: number;
  /** Which TypeORM messages reach Nest's logger (default all: queries at verbose, failures at error). */
  logging?: LoggerOptions;
  /** Connection attempts at boot before giving up (default 3, one second apart). */
  retryAttempts?: number;
  /**
   * Deadlines, so a request never waits on a database that is gone: past one, the request gets
   * 503 naming the database. Defaults from DATABASE_CONNECT_TIMEOUT_MS, DATABASE_ACQUIRE_TIMEOUT_MS
   * and DATABASE_QUERY_TIMEOUT_MS (1000 ms each). MySQL only (SQLite is in-process);
   * migrations and `synchronize` run without the query deadline.
   */
  timeouts?: DatabaseTimeouts;
}

/** See `DatabaseModuleOptions.timeouts`. */
export interface DatabaseTimeouts {
  /** Opening a connection, handshake included. */
  connectMs?: number;
  /** Waiting for a free connection of the pool. */
  acquireMs?: number;
  /** One query (mysql2 closes the connection when it passes). 0 = no deadline. */
  queryMs?: number;
}
