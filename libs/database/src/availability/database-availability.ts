import { DependencyErrors, ServiceUnavailableError } from '@lattice/core';
import { Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { classifyDatabaseError, DATABASE_SERVICE } from '../errors/database-errors';

/** What `DatabaseAvailability.check()` found. */
export interface DatabaseCheck {
  up: boolean;
  /** Round trip of `SELECT 1`, when up. */
  latencyMs?: number;
  /** Why not, when down. */
  reason?: string;
}

/**
 * Whether the database is serving: maps driver errors to 503/409 (registered with core's
 * `DependencyErrors`, so any app answers them right), logs an outage once when it starts and
 * once when it ends (at WARN, not an error per request), and offers a bounded `check()` for
 * health and readiness endpoints.
 */
@Injectable()
export class DatabaseAvailability {
  private readonly logger = new Logger('Database');
  private downSince: number | undefined;
  private dataSource: DataSource | undefined;

  constructor(errors: DependencyErrors) {
    errors.add((error) => {
      const failure = classifyDatabaseError(error);
      if (failure instanceof ServiceUnavailableError) this.failed(failure.reason);
      return failure;
    });
  }

  /** True while an outage is going on (from the first failure until a query succeeds again). */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** Called by DatabaseModule once the DataSource is open. */
  bind(dataSource: DataSource): void {
    this.dataSource = dataSource;
  }

  /** A failure that means the database cannot serve now. */
  failed(reason: string): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.logger.warn(
      `${DATABASE_SERVICE} is unreachable (${reason}). Requests that need it answer 503 until it is back.`,
    );
  }

  /** A query went through. */
  succeeded(): void {
    if (this.downSince === undefined) return;
    const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
    this.downSince = undefined;
    this.logger.warn(`${DATABASE_SERVICE} is back (after ${seconds} s).`);
  }

  /** Runs `SELECT 1` with a deadline; never rejects and never waits longer than `timeoutMs`. */
  async check(timeoutMs = 1000): Promise<DatabaseCheck> {
    const dataSource = this.dataSource;
    if (!dataSource?.isInitialized) return { up: false, reason: 'not connected yet' };
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      return { up: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      const failure = classifyDatabaseError(error);
      return {
        up: false,
        reason:
          failure instanceof ServiceUnavailableError
            ? failure.reason
            : error instanceof Error
              ? error.message
              : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
