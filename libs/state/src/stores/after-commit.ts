import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

const waiting = new WeakMap<QueryRunner, (() => void)[]>();
const hooked = new WeakSet<DataSource>();

/**
 * Runs `callback` when the transaction `manager` belongs to commits; drops it on rollback.
 * Heard through TypeORM's subscriber events, so it works for any transaction of the
 * DataSource (`@Transactional()`, `dataSource.transaction()`), not only ours.
 */
export function afterCommit(manager: EntityManager, callback: () => void): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    callback();
    return;
  }
  hook(manager.connection);
  const callbacks = waiting.get(runner) ?? [];
  callbacks.push(callback);
  waiting.set(runner, callbacks);
}

/** True when `manager` is inside an open transaction. */
export function inTransaction(manager: EntityManager): boolean {
  return manager.queryRunner?.isTransactionActive === true;
}

function hook(dataSource: DataSource): void {
  if (hooked.has(dataSource)) return;
  hooked.add(dataSource);
  // A savepoint's release or rollback leaves the transaction active: wait for the real end.
  const settle = (runner: QueryRunner, committed: boolean) => {
    if (runner.isTransactionActive) return;
    const callbacks = waiting.get(runner);
    waiting.delete(runner);
    if (committed) for (const callback of callbacks ?? []) callback();
  };
  const subscriber: EntitySubscriberInterface = {
    afterTransactionCommit: ({ queryRunner }) => settle(queryRunner, true),
    afterTransactionRollback: ({ queryRunner }) => settle(queryRunner, false),
  };
  dataSource.subscribers.push(subscriber);
}
