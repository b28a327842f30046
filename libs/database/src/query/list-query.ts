import { Injectable, PipeTransform } from '@nestjs/common';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { InvalidQueryError } from '../errors/invalid-query.error';
import { Cursor, decodeCursor } from './cursor';

/** A filter a list accepts: how to read it from the query string, and what it does to the query. */
export interface ListFilter<T extends ObjectLiteral, V = unknown> {
  /** Validates and converts the raw query-string value. */
  schema: z.ZodType<V>;
  /** Narrows the query; `alias` is the root entity's alias. */
  apply: (qb: SelectQueryBuilder<T>, value: V, alias: string) => void;
}

/** What a list endpoint allows: anything not listed here is a 400. */
export interface ListQuerySpec<T extends ObjectLiteral> {
  /** Entity properties clients may sort by. */
  sortable: readonly (keyof T & string)[];
  /** `'-createdAt'` (a leading minus means descending). */
  defaultSort: `${'' | '-'}${keyof T & string}`;
  filters?: Record<string, ListFilter<T, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Page size when the client gives none (default 20) and the most it may ask for (default 100). */
  limit?: { default?: number; max?: number };
}

export interface SortOrder<T> {
  field: keyof T & string;
  direction: 'ASC' | 'DESC';
}

/** A validated list request, ready for `LatticeRepository.paginate()`. */
export interface ListQuery<T extends ObjectLiteral> {
  /** `offset` with `page`, or `cursor` (keyset) after the row the cursor names. */
  mode: 'offset' | 'cursor';
  page: number;
  cursor?: Cursor;
  limit: number;
  sort: SortOrder<T>;
  filters: Record<string, unknown>;
  spec: ListQuerySpec<T>;
}

const RESERVED = ['page', 'cursor', 'limit', 'sort'];
const positiveInt = /^[1-9]\d{0,8}$/;

/**
 * Declares what a list endpoint accepts, once; `parse()` turns a raw query object into a
 * `ListQuery` or throws `InvalidQueryError` (400) naming the parameter.
 *
 * @example
 * export const questionList = defineListQuery<Question>({
 *   sortable: ['createdAt', 'score'], defaultSort: '-createdAt',
 *   filters: { tag: { schema: z.string().max(50), apply: (qb, tag, q) => qb.innerJoin(`${q}.tags`, 't', 't.name = :tag', { tag }) } },
 * });
 * @Get() list(@Query(questionList.pipe) query: ListQuery<Question>) { return this.questions.paginate(query); }
 */
export function defineListQuery<T extends ObjectLiteral>(spec: ListQuerySpec<T>) {
  const defaultLimit = spec.limit?.default ?? 20;
  const maxLimit = spec.limit?.max ?? 100;
  const allowed = [...RESERVED, ...Object.keys(spec.filters ?? {})];

  function parseSort(raw: string): SortOrder<T> {
    const descending = raw.startsWith('-');
    const field = (descending ? raw.slice(1) : raw) as keyof T & string;
    if (!spec.sortable.includes(field)) {
      throw new InvalidQueryError(
        'sort',
        `cannot sort by "${field}". Sortable: ${spec.sortable.join(', ')} (prefix with - for descending).`,
      );
    }
    return { field, direction: descending ? 'DESC' : 'ASC' };
  }

  function parse(raw: Record<string, unknown>): ListQuery<T> {
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) {
        throw new InvalidQueryError(key, `is not accepted here. Accepted: ${allowed.join(', ')}.`);
      }
    }
    const text = (name: string): string | undefined => {
      const value = raw[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'string')
        throw new InvalidQueryError(name, 'must be given once, as a plain value.');
      return value;
    };

    const limitText = text('limit');
    let limit = defaultLimit;
    if (limitText !== undefined) {
      if (!positiveInt.test(limitText))
        throw new InvalidQueryError('limit', `must be a whole number from 1 to ${maxLimit}.`);
      limit = Number(limitText);
      if (limit > maxLimit)
        throw new InvalidQueryError('limit', `must be at most ${maxLimit} (got ${limit}).`);
    }

    const sort = parseSort(text('sort') ?? spec.defaultSort);

    const pageText = text('page');
    const cursorText = text('cursor');
    if (pageText !== undefined && cursorText !== undefined) {
      throw new InvalidQueryError(
        'cursor',
        'cannot be combined with "page": use one or the other.',
      );
    }
    let page = 1;
    if (pageText !== undefined) {
      if (!positiveInt.test(pageText))
        throw new InvalidQueryError('page', 'must be a whole number from 1 up.');
      page = Number(pageText);
    }
    let cursor: Cursor | undefined;
    if (cursorText !== undefined) {
      cursor = decodeCursor(cursorText);
      if (!cursor)
        throw new InvalidQueryError(
          'cursor',
          'is not a cursor this API issued. Use the "next" value of a previous page.',
        );
      if (cursor.sort !== `${sort.direction === 'DESC' ? '-' : ''}${sort.field}`) {
        throw new InvalidQueryError(
          'cursor',
          `was issued for sort=${cursor.sort}; repeat that sort, or start again without a cursor.`,
        );
      }
    }

    const filters: Record<string, unknown> = {};
    for (const [name, filter] of Object.entries(spec.filters ?? {})) {
      const value = text(name);
      if (value === undefined) continue;
      const result = filter.schema.safeParse(value);
      if (!result.success)
        throw new InvalidQueryError(
          name,
          `is invalid: ${result.error.issues.map((i) => i.message).join('; ')}.`,
        );
      filters[name] = result.data;
    }

    return { mode: cursor ? 'cursor' : 'offset', page, cursor, limit, sort, filters, spec };
  }

  @Injectable()
  class ListQueryPipe implements PipeTransform<Record<string, unknown>, ListQuery<T>> {
    transform(value: Record<string, unknown>): ListQuery<T> {
      return parse(value ?? {});
    }
  }

  return { spec, parse, pipe: new ListQueryPipe() };
}
