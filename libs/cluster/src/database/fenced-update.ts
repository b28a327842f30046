import type { ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { LockMessages } from '../lock/lock.messages';

/** Where the token and the row's id live, when not in properties named `fence` and `id`. */
export interface FencedUpdateOptions {
  /** The entity property holding the highest token accepted (an integer column, default `fence`). */
  fenceProperty?: string;
  /** The primary key property (default `id`). */
  idProperty?: string;
}

/**
 * The SQL side of fencing: `UPDATE … SET <values>, fence = :fence WHERE id = :id AND
 * COALESCE(fence, 0) <= :fence`, one statement, so the check and the write cannot be separated.
 * Answers whether the row took the write: false when a newer lock holder already wrote with a
 * higher token (or the row does not exist). Equal tokens pass: one holder may write several times.
 *
 * @example
 * await locks.using(`question:${id}:summary`, async (lock) => {
 *   const summary = await summarize(id);
 *   if (!(await tryFencedUpdate(questions, id, { summary }, lock.fence))) logger.warn('late, dropped');
 * });
 */
export async function tryFencedUpdate<E extends ObjectLiteral>(
  repository: Repository<E>,
  id: string | number,
  values: QueryDeepPartialEntity<E>,
  fence: number,
  options: FencedUpdateOptions = {},
): Promise<boolean> {
  const { fence: fenceColumn, id: idColumn } = columnsOf(repository, options);
  const result = await repository
    .createQueryBuilder()
    .update()
    .set({ ...values, [options.fenceProperty ?? 'fence']: fence } as QueryDeepPartialEntity<E>)
    .where(`${idColumn} = :id`, { id })
    .andWhere(`COALESCE(${fenceColumn}, 0) <= :fence`, { fence })
    .execute();
  return (result.affected ?? 0) > 0;
}

/** Like `tryFencedUpdate`, but a refused write throws `StaleFenceError` (409) naming the stored token. */
export async function fencedUpdate<E extends ObjectLiteral>(
  repository: Repository<E>,
  id: string | number,
  values: QueryDeepPartialEntity<E>,
  fence: number,
  options: FencedUpdateOptions = {},
): Promise<void> {
  if (await tryFencedUpdate(repository, id, values, fence, options)) return;
  const fenceProperty = options.fenceProperty ?? 'fence';
  const row = (await repository.findOne({
    where: { [options.idProperty ?? 'id']: id } as never,
    select: { [fenceProperty]: true } as never,
  })) as Record<string, unknown> | null;
  const resource = `${repository.metadata.tableName}#${id}`;
  if (!row) throw LockMessages.fencedRowMissing(resource);
  throw LockMessages.staleFence(resource, fence, Number(row[fenceProperty] ?? 0));
}

function columnsOf(repository: Repository<ObjectLiteral>, options: FencedUpdateOptions) {
  const escape = (property: string) => {
    const column = repository.metadata.findColumnWithPropertyName(property);
    if (!column) throw LockMessages.noFenceColumn(repository.metadata.name, property);
    return repository.manager.connection.driver.escape(column.databaseName);
  };
  return {
    fence: escape(options.fenceProperty ?? 'fence'),
    id: escape(options.idProperty ?? 'id'),
  };
}
