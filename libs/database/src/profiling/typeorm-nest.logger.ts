import { SampledLog } from '@lattice/core';
import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { classifyDatabaseError } from '../errors/database-errors';

/**
 * TypeORM's messages through Nest's logger, so they follow the app's log levels and format
 * (TypeORM's default logger writes to the console directly). Every query goes to `verbose`,
 * failed queries to `error`, except outages and conflicts (to `debug`: they answer 503/409, and
 * an outage is logged once by DatabaseAvailability); slow queries are the QueryProfiler's job.
 */
export class TypeOrmNestLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('TypeORM');
  private readonly mistakes = new SampledLog(this.logger);

  logQuery(query: string): void {
    this.logger.verbose(query);
  }

  logQueryError(error: string | Error, query: string): void {
    // A duplicate key is a client's mistake (a taken email) that the caller answers with a 4xx.
    if (isDuplicateKey(error))
      return this.mistakes.warn('duplicate-key', `Query refused a duplicate: ${String(error)}`);
    const message = `Query failed: ${error instanceof Error ? error.message : error}\n  ${query}`;
    // An outage or a conflict is answered 503/409 and logged once by DatabaseAvailability.
    if (classifyDatabaseError(error)) this.logger.debug(message);
    else this.logger.error(message);
  }

  logQuerySlow(): void {}

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}

/** MySQL/MariaDB's and SQLite's unique-index refusals. */
function isDuplicateKey(error: string | Error): boolean {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ??
    (error as { code?: unknown }).code;
  return ['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(
    String(code),
  );
}
