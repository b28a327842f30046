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
import { OptimisticLockError } from '../errors/optimistic-lock.error';
import { encodeCursor } from '../query/cursor';
import type { ListQuery } from '../query/list-query';
import type { Page } from '../query/page';
import { TransactionHost } from '../transactions/transaction-host';
import { REPOSITORY_ENTITY } from './repository.constants';

type Id = number | string;

/** Alias of the extra column that carries a date sort value as text. */
const CURSOR_VALUE = 'lattice_cursor_value';
type WithId = ObjectLiteral & { id: Id };

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
   * One page of rows for a validated `ListQuery`. Offset mode counts the total; cursor mode
   * seeks past the cursor's row on (sort field, id), so deep pages cost the same as the first.
   * Every page carries a `next` cursor. `build` adds joins and selections (filters from the
   * query's spec are applied first).
   */
  async paginate(
    query: ListQuery<T>,
    build?: (qb: SelectQueryBuilder<T>, alias: string) => void,
  ): Promise<Page<T>> {
    const alias = this.alias;
    const qb = this.createQueryBuilder(alias);
    for (const [name, value] of Object.entries(query.filters))
      query.spec.filters?.[name]?.apply(qb, value, alias);
    build?.(qb, alias);

    const { field, direction } = query.sort;
    const column = `${alias}.${field}`;
    qb.orderBy(column, direction).addOrderBy(`${alias}.id`, direction);

    let total: number | undefined;
    if (query.mode === 'cursor' && query.cursor) {
      const op = direction === 'DESC' ? '<' : '>';
      qb.andWhere(
        `(${column} ${op} :cursorValue OR (${column} = :cursorValue AND ${alias}.id ${op} :cursorId))`,
        { cursorValue: query.cursor.value, cursorId: query.cursor.id },
      );
    } else {
      total = await qb.clone().orderBy().getCount();
      qb.skip((query.page - 1) * query.limit);
    }
    // A date's cursor value is read as the database's own text (MySQL keeps microseconds, which a
    // JavaScript Date would drop and then skip rows); the comparison then happens in SQL on equal terms.
    const dateSort = this.isDateColumn(field);
    if (dateSort) qb.addSelect(`CAST(${column} AS CHAR)`, CURSOR_VALUE);
    qb.take(query.limit + 1);
    const { entities: rows, raw } = dateSort
      ? await qb.getRawAndEntities<Record<string, unknown>>()
      : { entities: await qb.getMany(), raw: [] };
    const hasMore = rows.length > query.limit;
    const items = hasMore ? rows.slice(0, query.limit) : rows;
    const last = items.at(-1);
    const lastValue = (row: T) =>
      dateSort
        ? (raw.find((r) => String(r[`${alias}_id`]) === String(row.id))?.[CURSOR_VALUE] as string)
        : this.cursorValueOf(row, field);
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
        next: hasMore && last ? encodeCursor({ sort, value: lastValue(last), id: last.id }) : null,
      },
    };
  }

  protected get alias(): string {
    return this.metadata.targetName.charAt(0).toLowerCase() + this.metadata.targetName.slice(1);
  }

  private cursorValueOf(row: T, field: string): string | number | null {
    const value = row[field] as unknown;
    if (value === null || value === undefined) return null;
    return typeof value === 'number' ? value : String(value);
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
