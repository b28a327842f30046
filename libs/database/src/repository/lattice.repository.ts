import { Injectable } from '@nestjs/common';
import type {
  DeepPartial,
  EntityManager,
  EntityMetadata,
  EntityTarget,
  FindOptionsRelations,
  FindOptionsWhere,
  ObjectLiteral,
  Repository,
  SelectQueryBuilder,
} from 'typeorm';
import { DatabaseMessages } from '../database.messages';
import { EntityNotFoundError } from '../errors/entity-not-found.error';
import { InvalidQueryError } from '../errors/invalid-query.error';
import { OptimisticLockError } from '../errors/optimistic-lock.error';
import { encodeCursor } from '../query/cursor';
import type { ListQuery } from '../query/list-query';
import type { Page } from '../query/page';
import { TransactionHost } from '../transactions/transaction-host';
import { REPOSITORY_ENTITY } from './repository.constants';

type Id = number | string;

type WithId = ObjectLiteral & { id: Id };

export interface PaginateOptions<T extends ObjectLiteral> {
  /** Narrows which rows are listed (conditions on the entity's table; runs for the count too). */
  scope?: (qb: SelectQueryBuilder<T>, alias: string) => void;
  /** What each listed row carries: `leftJoinAndSelect` relations, extra selections. Runs for the page's rows only. */
  load?: (qb: SelectQueryBuilder<T>, alias: string) => void;
}

export interface FindByIdOptions<T> {
  relations?: FindOptionsRelations<T>;
  /** Include soft-deleted rows. */
  withDeleted?: boolean;
}

/**
 * The repository pattern on TypeORM: CRUD that answers 404/409 with clear messages, offset and
 * keyset pagination from a validated `ListQuery`, and transaction awareness (inside
 * `@Transactional()` every call uses the transaction). Extend it and decorate the class with
 * `@EntityRepository(Entity)`, or inject the generic one with `@InjectLatticeRepository(Entity)`.
 *
 * @example
 * @EntityRepository(Question)
 * export class QuestionRepository extends LatticeRepository<Question> {
 *   byAuthor(authorId: number) { return this.repository.findBy({ author: { id: authorId } }); }
 * }
 */
@Injectable()
export class LatticeRepository<T extends WithId> {
  protected readonly target: EntityTarget<T>;

  constructor(protected readonly transactions: TransactionHost) {
    const entity = Reflect.getMetadata(REPOSITORY_ENTITY, new.target) as
      EntityTarget<T> | undefined;
    if (!entity) throw DatabaseMessages.repositoryWithoutEntity(new.target.name);
    this.target = entity;
  }

  /** The EntityManager in scope: the current transaction's, or the default. */
  protected get manager(): EntityManager {
    return this.transactions.manager;
  }

  /** The TypeORM repository in scope, for anything this class does not wrap. */
  get repository(): Repository<T> {
    return this.manager.getRepository(this.target);
  }

  get metadata(): EntityMetadata {
    return this.repository.metadata;
  }

  /** A query builder bound to the transaction in scope. */
  createQueryBuilder(alias = this.alias): SelectQueryBuilder<T> {
    return this.repository.createQueryBuilder(alias);
  }

  /** The row, or `EntityNotFoundError` (404) naming the entity and the id. */
  async findById(id: Id, options: FindByIdOptions<T> = {}): Promise<T> {
    const found = await this.repository.findOne({
      where: { id } as FindOptionsWhere<T>,
      relations: options.relations,
      withDeleted: options.withDeleted,
    });
    if (!found) throw new EntityNotFoundError(this.metadata.name, id);
    return found;
  }

  async create(data: DeepPartial<T>): Promise<T> {
    return this.repository.save(this.repository.create(data));
  }

  /**
   * Applies `patch` and returns the updated row. With `expectedVersion` (entities with a
   * `Versioned` column) the write happens only if the row is still at that version; otherwise
   * `OptimisticLockError` (409) says which version it is at.
   */
  async update(
    id: Id,
    patch: DeepPartial<T>,
    options: { expectedVersion?: number } = {},
  ): Promise<T> {
    const versionColumn = this.metadata.versionColumn;
    if (options.expectedVersion !== undefined) {
      if (!versionColumn) throw DatabaseMessages.versionColumnMissing(this.metadata.name);
      const result = await this.repository
        .createQueryBuilder()
        .update()
        .set(patch as never)
        .where({ id, [versionColumn.propertyName]: options.expectedVersion } as FindOptionsWhere<T>)
        .execute();
      if (!result.affected) {
        const current = await this.findById(id);
        throw new OptimisticLockError(
          this.metadata.name,
          id,
          options.expectedVersion,
          current[versionColumn.propertyName],
        );
      }
      return this.findById(id);
    }
    const existing = await this.findById(id);
    return this.repository.save(this.repository.merge(existing, patch));
  }

  /** Soft-deletes when the entity is `SoftDeletable`, deletes otherwise. 404 when there is no such row. */
  async delete(id: Id): Promise<void> {
    const where = { id } as FindOptionsWhere<T>;
    const result = this.metadata.deleteDateColumn
      ? await this.repository.softDelete(where)
      : await this.repository.delete(where);
    if (!result.affected) throw new EntityNotFoundError(this.metadata.name, id);
  }

  /** Brings back a soft-deleted row (a row that is not deleted is returned as it is). 404 when there is no such row. */
  async restore(id: Id): Promise<T> {
    await this.repository.restore({ id } as FindOptionsWhere<T>);
    return this.findById(id);
  }

  /**
   * One page of rows for a validated `ListQuery`, in two steps so deep pages cost what the first
   * does: the page's ids come from the entity's own table (filters and `scope` applied, keyset on
   * (sort field, id) in cursor mode, so an index on them serves any depth), then `load` fetches
   * those rows with their relations. Offset mode also counts the total (without the joins).
   * Every page carries a `next` cursor.
   */
  async paginate(query: ListQuery<T>, options: PaginateOptions<T> = {}): Promise<Page<T>> {
    const alias = this.alias;
    const { field, direction } = query.sort;
    const column = `${alias}.${field}`;
    const dateSort = this.isDateColumn(field);

    const scoped = this.createQueryBuilder(alias);
    for (const [name, value] of Object.entries(query.filters)) {
      query.spec.filters?.[name]?.apply(scoped, value, alias);
    }
    options.scope?.(scoped, alias);

    let total: number | undefined;
    if (query.mode === 'offset') total = await withCacheSuffix(scoped.clone(), ':count').getCount();

    // A date's sort value is read as the database's own text: MySQL keeps microseconds, which a
    // JavaScript Date would drop, and the next page would then skip rows.
    const keys = scoped
      .clone()
      .select(`${alias}.id`, 'id')
      .addSelect(dateSort ? `CAST(${column} AS CHAR)` : column, 'sort_value')
      .orderBy(column, direction)
      .addOrderBy(`${alias}.id`, direction)
      .limit(query.limit + 1);
    if (query.mode === 'cursor' && query.cursor) {
      const op = direction === 'DESC' ? '<' : '>';
      keys.andWhere(
        `(${column} ${op} :cursorValue OR (${column} = :cursorValue AND ${alias}.id ${op} :cursorId))`,
        {
          cursorValue: this.checkedCursorValue(query.cursor.value, dateSort),
          cursorId: query.cursor.id,
        },
      );
    } else {
      keys.offset((query.page - 1) * query.limit);
    }
    const found = await keys.getRawMany<{ id: Id; sort_value: string | number | null }>();
    const hasMore = found.length > query.limit;
    const pageKeys = hasMore ? found.slice(0, query.limit) : found;

    let items: T[] = [];
    if (pageKeys.length > 0) {
      const loader = this.createQueryBuilder(alias).where(`${alias}.id IN (:...pageIds)`, {
        pageIds: pageKeys.map((key) => key.id),
      });
      options.load?.(loader, alias);
      const byId = new Map((await loader.getMany()).map((row) => [String(row.id), row]));
      items = pageKeys.flatMap((key) => byId.get(String(key.id)) ?? []);
    }

    const last = pageKeys.at(-1);
    const sort = `${direction === 'DESC' ? '-' : ''}${field}`;
    return {
      items,
      page: {
        mode: query.mode,
        limit: query.limit,
        ...(total !== undefined && {
          number: query.page,
          total,
          pages: Math.ceil(total / query.limit),
        }),
        hasMore,
        next: hasMore && last ? encodeCursor({ sort, value: last.sort_value, id: last.id }) : null,
      },
    };
  }

  protected get alias(): string {
    return this.metadata.targetName.charAt(0).toLowerCase() + this.metadata.targetName.slice(1);
  }

  /** A cursor's value as a bound parameter, refused (400) when it cannot be the sort column's value. */
  private checkedCursorValue(
    value: string | number | null,
    dateSort: boolean,
  ): string | number | null {
    if (
      dateSort &&
      (typeof value !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(value))
    ) {
      throw new InvalidQueryError(
        'cursor',
        'is not a cursor this API issued. Use the "next" value of a previous page.',
      );
    }
    return value;
  }

  private isDateColumn(field: string): boolean {
    const column = this.metadata.findColumnsWithPropertyPath(field)[0];
    return (
      !!column &&
      (column.type === Date ||
        /date|time/i.test(String(column.type)) ||
        column.isCreateDate ||
        column.isUpdateDate ||
        column.isDeleteDate)
    );
  }
}

/** The generic repository of one entity, for `@InjectLatticeRepository(Entity)`. */
export function createLatticeRepository<T extends WithId>(
  entity: EntityTarget<T>,
  transactions: TransactionHost,
): LatticeRepository<T> {
  class GenericRepository extends LatticeRepository<T> {}
  Reflect.defineMetadata(REPOSITORY_ENTITY, entity, GenericRepository);
  return new GenericRepository(transactions);
}

/** Gives a cloned query a cache id of its own, so it never reads or overwrites the original's entry. */
function withCacheSuffix<Q extends SelectQueryBuilder<ObjectLiteral>>(qb: Q, suffix: string): Q {
  const { cache, cacheId, cacheDuration } = qb.expressionMap;
  if (cache && cacheId) qb.cache(`${cacheId}${suffix}`, cacheDuration);
  return qb;
}
