import { Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { DatabaseMessages } from '../database.messages';

/** The transaction in scope and what waits for its commit. */
interface TransactionScope {
  manager: EntityManager;
  afterCommit: (() => unknown)[];
}

const current = new AsyncLocalStorage<TransactionScope>();
let defaultDataSource: DataSource | undefined;
/** SQLite transactions, one after the other (see `run`). */
let sqliteTail: Promise<unknown> = Promise.resolve();
const logger = new Logger('Transactions');

/**
 * InnoDB gave up on a lock: running the whole transaction again (after its rollback) is safe.
 * ER_AUTOINC_READ_FAILED is how MariaDB reports a deadlock or a timeout on the table's AUTO-INC
 * lock, which an `INSERT … SELECT` takes (the state store's guarded append).
 */
const RETRYABLE_CODES = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_AUTOINC_READ_FAILED',
]);

/** `TransactionHost.run` options. */
export interface TransactionOptions {
  isolation?: IsolationLevel;
  /**
   * Runs the work again, up to this many times, when MySQL rolled it back for a deadlock or a
   * lock wait timeout (default 0). Only for work whose effects are all in the transaction.
   */
  retries?: number;
}

/**
 * The transaction in scope. Code inside `run()` (or a `@Transactional()` method) sees the
 * transaction's EntityManager through `manager`, however deep the call; code outside sees the
 * plain DataSource manager. A `run()` inside another joins it: one transaction, one commit.
 *
 * Written on AsyncLocalStorage rather than typeorm-transactional, which patches TypeORM's
 * prototypes and does not declare support for TypeORM 1.x (docs/decisions/0008-transactions.md).
 */
@Injectable()
export class TransactionHost {
  /** Set by DatabaseModule once the DataSource is initialised. */
  static bind(dataSource: DataSource | undefined): void {
    defaultDataSource = dataSource;
  }

  static get dataSource(): DataSource {
    if (!defaultDataSource?.isInitialized) throw DatabaseMessages.noDataSource('A transaction');
    return defaultDataSource;
  }

  /** The EntityManager to use now: the current transaction's, or the default one. */
  get manager(): EntityManager {
    return current.getStore()?.manager ?? TransactionHost.dataSource.manager;
  }

  /** True inside `run()` or a `@Transactional()` method. */
  get active(): boolean {
    return current.getStore() !== undefined;
  }

  /**
   * Runs `callback` once the current transaction has committed (never if it rolls back); at
   * once outside a transaction. For what must not happen before the rows are visible to
   * others: waking a relay, telling other nodes. A failing callback is logged, not thrown.
   */
  afterCommit(callback: () => unknown): void {
    const scope = current.getStore();
    if (scope) scope.afterCommit.push(callback);
    else void runCallbacks([callback]);
  }

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws.
   * Inside another transaction it joins that one (the outer one decides commit or rollback).
   * On SQLite, whose driver has one connection, transactions run one at a time: two at once
   * would nest as savepoints of one transaction, and a "commit" of the inner one would only be
   * durable when the outer one commits.
   */
  run<T>(
    work: (manager: EntityManager) => Promise<T>,
    options: IsolationLevel | TransactionOptions = {},
  ): Promise<T> {
    const outer = current.getStore();
    if (outer) return work(outer.manager);
    const { isolation, retries = 0 } =
      typeof options === 'string' ? { isolation: options } : options;
    const dataSource = TransactionHost.dataSource;
    const once = async (): Promise<T> => {
      const scope: TransactionScope = { manager: dataSource.manager, afterCommit: [] };
      const body = (manager: EntityManager) => {
        scope.manager = manager;
        return current.run(scope, () => work(manager));
      };
      const result = await (isolation
        ? dataSource.transaction(isolation, body)
        : dataSource.transaction(body));
      await runCallbacks(scope.afterCommit);
      return result;
    };
    const attempt = async (left: number): Promise<T> => {
      try {
        return await once();
      } catch (error) {
        const code = (error as { code?: string; driverError?: { code?: string } }).code;
        if (left > 0 && RETRYABLE_CODES.has(code ?? '')) return attempt(left - 1);
        throw error;
      }
    };
    if (dataSource.options.type !== 'better-sqlite3') return attempt(retries);
    const run = sqliteTail.then(
      () => attempt(retries),
      () => attempt(retries),
    );
    sqliteTail = run.catch(() => undefined);
    return run;
  }
}

async function runCallbacks(callbacks: (() => unknown)[]): Promise<void> {
  for (const callback of callbacks) {
    try {
      await callback();
    } catch (error) {
      logger.error(`An after-commit callback failed: ${String(error)}`);
    }
  }
}

const host = new TransactionHost();

/**
 * Runs the method in a transaction (see `TransactionHost.run`): every repository call inside,
 * however deep, uses it; a nested `@Transactional()` method joins it.
 *
 * @example
 * @Transactional()
 * async accept(answerId: number) { await this.answers.update(answerId, { accepted: true }); await this.users.addReputation(...); }
 */
export function Transactional(options: TransactionOptions = {}): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return host.run(() => original.apply(this, args), options);
    };
    // Keep metadata other decorators put on the method (routes, guards, @On handlers…).
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped;
    return descriptor;
  };
}
