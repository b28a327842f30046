import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { DatabaseMessages } from '../database.messages';

const current = new AsyncLocalStorage<EntityManager>();
let defaultDataSource: DataSource | undefined;

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
    return current.getStore() ?? TransactionHost.dataSource.manager;
  }

  /** True inside `run()` or a `@Transactional()` method. */
  get active(): boolean {
    return current.getStore() !== undefined;
  }

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws.
   * Inside another transaction it joins that one (the outer one decides commit or rollback).
   */
  run<T>(work: (manager: EntityManager) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    const outer = current.getStore();
    if (outer) return work(outer);
    const dataSource = TransactionHost.dataSource;
    const body = (manager: EntityManager) => current.run(manager, () => work(manager));
    return isolation ? dataSource.transaction(isolation, body) : dataSource.transaction(body);
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
export function Transactional(options: { isolation?: IsolationLevel } = {}): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return host.run(() => original.apply(this, args), options.isolation);
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
