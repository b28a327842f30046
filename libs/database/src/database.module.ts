import {
  bootReportPart,
  LatticeConfig,
  LatticeDrivers,
  maskUrlPassword,
  RedisConnections,
} from '@lattice/core';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseAvailability } from './availability/database-availability';
import { boundPoolAcquire } from './availability/pool-deadlines';
import { MemoryQueryResultCache } from './cache/memory-query-result.cache';
import { RedisQueryResultCache } from './cache/redis-query-result.cache';
import { DATABASE_MODULE_OPTIONS } from './database.constants';
import type {
  DatabaseModuleOptions,
  DatabaseTimeouts,
  EntityClassOrSchema,
} from './database.interfaces';
import {
  DATABASE_ASYNC_OPTIONS_TYPE,
  DATABASE_OPTIONS_TYPE,
  DatabaseConfigurableModule,
} from './database.module-definition';
import { DatabaseMessages } from './database.messages';
import { loadMigrationClasses } from './migrations/migration-files';
import { MigrationService } from './migrations/migration.service';
import { SnakeNamingStrategy } from './naming/snake-naming.strategy';
import { QueryContextInterceptor } from './profiling/query-context.interceptor';
import { QueryProfiler } from './profiling/query-profiler';
import { TypeOrmNestLogger } from './profiling/typeorm-nest.logger';
import { REPOSITORY_ENTITY } from './repository/repository.constants';
import { createLatticeRepository } from './repository/lattice.repository';
import { getLatticeRepositoryToken } from './repository/repository.decorators';
import { SeedRunner } from './seeding/seed-runner';
import { TransactionHost } from './transactions/transaction-host';

@Module({})
class DatabaseOptionsModule {}

@Module({})
class DatabaseFeatureModule {}

/**
 * TypeORM on the database core selected (SQLite file by default, MySQL by DATABASE_URL), with
 * snake_case names, UTC timestamps, a query cache on memory or Redis, query profiling,
 * transactions, migrations and seeding. Global unless `isGlobal: false`; options are checked at
 * boot (`databaseOptionsSchema`).
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), DatabaseModule.forRoot({ migrationsDir: join(__dirname, 'migrations') })] })
 * export class AppModule {}
 */
@Module({})
export class DatabaseModule extends DatabaseConfigurableModule {
  static forRoot(options: typeof DATABASE_OPTIONS_TYPE = {}): DynamicModule {
    return DatabaseModule.withTypeOrm(super.forRoot(options));
  }

  /** Options from `useFactory`, `useClass` or `useExisting`, checked at boot like forRoot's. */
  static forRootAsync(options: typeof DATABASE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return DatabaseModule.withTypeOrm(super.forRootAsync(options));
  }

  /**
   * TypeORM's own module needs the options too, so the options provider (from the module
   * definition) moves to a small module that both import.
   */
  private static withTypeOrm(definition: DynamicModule): DynamicModule {
    const optionsModule: DynamicModule = {
      module: DatabaseOptionsModule,
      imports: definition.imports ?? [],
      providers: [...(definition.providers ?? []), DatabaseAvailability],
      exports: [DATABASE_MODULE_OPTIONS, DatabaseAvailability],
    };
    let profiler: QueryProfiler | undefined;
    let availability: DatabaseAvailability | undefined;
    let timeouts: Required<DatabaseTimeouts> | undefined;
    return {
      module: DatabaseModule,
      global: definition.global,
      imports: [
        optionsModule,
        TypeOrmModule.forRootAsync({
          imports: [optionsModule],
          inject: [
            DATABASE_MODULE_OPTIONS,
            LatticeDrivers,
            LatticeConfig,
            RedisConnections,
            DatabaseAvailability,
          ],
          useFactory: async (
            options: DatabaseModuleOptions,
            drivers: LatticeDrivers,
            config: LatticeConfig,
            redis: RedisConnections,
            databaseAvailability: DatabaseAvailability,
          ) => {
            const production = config.isProduction;
            availability = databaseAvailability;
            timeouts = {
              connectMs: options.timeouts?.connectMs ?? config.get('DATABASE_CONNECT_TIMEOUT_MS'),
              acquireMs: options.timeouts?.acquireMs ?? config.get('DATABASE_ACQUIRE_TIMEOUT_MS'),
              queryMs: options.timeouts?.queryMs ?? config.get('DATABASE_QUERY_TIMEOUT_MS'),
            };
            profiler = new QueryProfiler({
              slowQueryMs: options.slowQueryMs ?? 200,
              nPlusOneThreshold: production ? 0 : (options.nPlusOneThreshold ?? 10),
            });
            return typeOrmOptions(
              options,
              drivers,
              redis,
              await serverFlavour(drivers, timeouts.connectMs),
              timeouts,
            );
          },
          dataSourceFactory: async (options) => {
            const { migrationsRun, ...rest } = options as DataSourceOptions;
            const dataSource = new DataSource(rest as DataSourceOptions);
            try {
              await dataSource.initialize();
            } catch (error) {
              throw DatabaseMessages.connectionFailed(targetName(rest as DataSourceOptions), error);
            }
            // Run here rather than inside initialize(), so a failing migration is reported as one
            // (and not retried as if the connection had failed).
            if (migrationsRun) {
              try {
                await dataSource.runMigrations({ transaction: 'each' });
              } catch (error) {
                await dataSource.destroy();
                throw DatabaseMessages.migrationFailed(
                  targetName(rest as DataSourceOptions),
                  error,
                );
              }
            }
            if (profiler) dataSource.subscribers.push(profiler);
            if (timeouts) applyDeadlines(dataSource, timeouts);
            if (availability) {
              const seen = availability;
              seen.bind(dataSource);
              dataSource.subscribers.push({
                afterQuery: (event) => {
                  if (event.success) return seen.succeeded();
                  dropTimedOutConnection(event.error, event.queryRunner);
                },
              });
            }
            TransactionHost.bind(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [
        TransactionHost,
        MigrationService,
        SeedRunner,
        { provide: APP_INTERCEPTOR, useClass: QueryContextInterceptor },
        bootReportPart('database'),
      ],
      exports: [TransactionHost, MigrationService, SeedRunner, optionsModule],
    };
  }

  /**
   * Registers entities and repositories for a feature module: TypeORM repositories
   * (`@InjectRepository(Entity)`), the generic `LatticeRepository` of each entity
   * (`@InjectLatticeRepository(Entity)`) and custom `@EntityRepository` classes (by class).
   */
  static forFeature(items: (EntityClassOrSchema | Type)[]): DynamicModule {
    const repositories = items.filter(
      (item) => typeof item === 'function' && Reflect.hasOwnMetadata(REPOSITORY_ENTITY, item),
    ) as Type[];
    const entities = [
      ...new Set([
        ...items.filter((item) => !repositories.includes(item as Type)),
        ...repositories.map(
          (repository) => Reflect.getMetadata(REPOSITORY_ENTITY, repository) as EntityClassOrSchema,
        ),
      ]),
    ];
    const generic: Provider[] = entities.map((entity) => ({
      provide: getLatticeRepositoryToken(entity),
      inject: [TransactionHost],
      useFactory: (transactions: TransactionHost) =>
        createLatticeRepository(entity as never, transactions),
    }));
    const typeorm = TypeOrmModule.forFeature(entities);
    return {
      module: DatabaseFeatureModule,
      imports: [typeorm],
      providers: [...repositories, ...generic],
      exports: [
        typeorm,
        ...repositories,
        ...generic.map((p) => (p as { provide: string }).provide),
      ],
    };
  }
}

/**
 * MariaDB reports column defaults differently from MySQL (DEFAULT 'NULL'), and TypeORM only
 * reads them right with its "mariadb" dialect; mysql:// URLs point at either, so ask the server.
 * A failed probe falls back to "mysql", and the real connection then reports the error.
 */
async function serverFlavour(
  drivers: LatticeDrivers,
  connectTimeout: number,
): Promise<'mysql' | 'mariadb' | undefined> {
  const db = drivers.database;
  if (db.kind !== 'mysql') return undefined;
  try {
    // mysql2 is optional for SQLite-only apps, so it is loaded only on this path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createConnection } = require('mysql2/promise') as typeof import('mysql2/promise');
    const connection = await createConnection({ uri: db.url, connectTimeout });
    try {
      const [rows] = await connection.query('SELECT VERSION() AS version');
      return /mariadb/i.test((rows as { version: string }[])[0].version) ? 'mariadb' : 'mysql';
    } finally {
      await connection.end();
    }
  } catch {
    return 'mysql';
  }
}

function typeOrmOptions(
  options: DatabaseModuleOptions,
  drivers: LatticeDrivers,
  redis: RedisConnections,
  flavour: 'mysql' | 'mariadb' | undefined,
  timeouts: Required<DatabaseTimeouts>,
): TypeOrmModuleOptions {
  const common = {
    autoLoadEntities: true,
    entities: options.entities ?? [],
    synchronize: options.synchronize ?? false,
    migrations: [
      ...((options.migrations as never[]) ?? []),
      ...(options.migrationsDir ? loadMigrationClasses(options.migrationsDir) : []),
    ],
    migrationsRun: options.migrationsRun ?? false,
    migrationsTableName: 'lattice_migrations',
    namingStrategy: new SnakeNamingStrategy(),
    logging: options.logging ?? 'all',
    logger: new TypeOrmNestLogger(),
    retryAttempts: options.retryAttempts ?? 3,
    // Only a connection that could not be opened is worth another try.
    toRetry: (error: unknown) =>
      (error as { code?: string }).code === 'LATTICE_DB_CONNECTION_FAILED',
    retryDelay: 1000,
    cache: {
      duration: options.cacheDurationMs ?? 30_000,
      provider: () =>
        drivers.for('cache') === 'redis'
          ? new RedisQueryResultCache(redis)
          : new MemoryQueryResultCache(),
    },
  } satisfies TypeOrmModuleOptions;
  const db = drivers.database;
  if (db.kind === 'mysql') {
    return {
      ...common,
      type: flavour ?? 'mysql',
      url: db.url,
      timezone: 'Z', // store and read DATETIME as UTC
      charset: 'utf8mb4_unicode_ci',
      poolSize: options.poolSize ?? 10,
      supportBigNumbers: true,
      connectTimeout: timeouts.connectMs,
      // The query deadline is switched on once migrations and synchronize are done (applyDeadlines).
      maxQueryExecutionTime: timeouts.queryMs || undefined,
      enableQueryTimeout: false,
    };
  }
  if (db.path !== ':memory:') {
    try {
      mkdirSync(dirname(db.path), { recursive: true });
    } catch (error) {
      throw DatabaseMessages.connectionFailed(`sqlite:${db.path}`, error);
    }
  }
  // WAL lets readers proceed while a write is in progress.
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.path,
    enableWAL: db.path !== ':memory:',
  };
}

/**
 * The request-time deadlines of a MySQL DataSource: a query deadline (mysql2 closes a connection
 * whose query passes it, so a silent network cannot keep it forever) and a pool acquire deadline.
 * Applied after boot, so migrations and synchronize may take as long as they need.
 */
function applyDeadlines(dataSource: DataSource, timeouts: Required<DatabaseTimeouts>): void {
  if (dataSource.options.type !== 'mysql' && dataSource.options.type !== 'mariadb') return;
  // The driver keeps its own copy of the options, and reads this one at every query.
  (dataSource.driver.options as { enableQueryTimeout?: boolean }).enableQueryTimeout =
    timeouts.queryMs > 0;
  const pool = (dataSource.driver as unknown as { pool?: Parameters<typeof boundPoolAcquire>[0] })
    .pool;
  if (pool) boundPoolAcquire(pool, timeouts.acquireMs);
}

/**
 * mysql2 rejects a query that passed its deadline but keeps the connection busy waiting for the
 * answer, so the next query on it would wait behind it with no deadline at all: close it instead
 * (the pool opens a fresh one).
 */
function dropTimedOutConnection(error: unknown, queryRunner: unknown): void {
  if ((error as { code?: string } | undefined)?.code !== 'PROTOCOL_SEQUENCE_TIMEOUT') return;
  (
    queryRunner as { databaseConnection?: { destroy?: () => void } }
  ).databaseConnection?.destroy?.();
}

function targetName(options: DataSourceOptions): string {
  if (options.type === 'mysql' || options.type === 'mariadb')
    return maskUrlPassword(options.url ?? 'mysql://(no url)');
  return `sqlite:${String(options.database)}`;
}
