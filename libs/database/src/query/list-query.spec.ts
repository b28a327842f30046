import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { InvalidQueryError } from '../errors/invalid-query.error';
import { decodeCursor, encodeCursor } from './cursor';
import { defineListQuery } from './list-query';

interface Post {
  id: number;
  createdAt: Date;
  score: number;
  title: string;
}

const posts = defineListQuery<Post>({
  sortable: ['createdAt', 'score'],
  defaultSort: '-createdAt',
  limit: { default: 20, max: 50 },
  filters: {
    author: {
      schema: z.coerce.number({ error: 'not a number' }).int().positive(),
      apply: () => undefined,
    },
  },
});

function rejection(raw: Record<string, unknown>): InvalidQueryError {
  try {
    posts.parse(raw);
  } catch (error) {
    if (error instanceof InvalidQueryError) return error;
    throw error;
  }
  throw new Error('expected an InvalidQueryError');
}

describe('defineListQuery().parse', () => {
  it('fills in the defaults', () => {
    expect(posts.parse({})).toMatchObject({
      mode: 'offset',
      page: 1,
      limit: 20,
      sort: { field: 'createdAt', direction: 'DESC' },
      filters: {},
    });
  });

  it('reads page, limit, sort and filters', () => {
    expect(posts.parse({ page: '3', limit: '50', sort: 'score', author: '7' })).toMatchObject({
      mode: 'offset',
      page: 3,
      limit: 50,
      sort: { field: 'score', direction: 'ASC' },
      filters: { author: 7 },
    });
  });

  it('switches to cursor mode with a cursor issued for the same sort', () => {
    const cursor = encodeCursor({ sort: '-score', value: 12, id: 40 });
    expect(posts.parse({ sort: '-score', cursor })).toMatchObject({
      mode: 'cursor',
      cursor: { sort: '-score', value: 12, id: 40 },
    });
  });

  it.each([
    [{ limit: '51' }, 'limit', 'Query parameter "limit" must be at most 50 (got 51).'],
    [{ limit: '0' }, 'limit', 'Query parameter "limit" must be a whole number from 1 to 50.'],
    [{ limit: '2.5' }, 'limit', 'Query parameter "limit" must be a whole number from 1 to 50.'],
    [{ page: '-1' }, 'page', 'Query parameter "page" must be a whole number from 1 up.'],
    [
      { sort: 'password' },
      'sort',
      'Query parameter "sort" cannot sort by "password". Sortable: createdAt, score (prefix with - for descending).',
    ],
    [
      { cursor: 'not-a-cursor' },
      'cursor',
      'Query parameter "cursor" is not a cursor this API issued. Use the "next" value of a previous page.',
    ],
    [
      { cursor: encodeCursor({ sort: 'score', value: 1, id: 1 }) },
      'cursor',
      'Query parameter "cursor" was issued for sort=score; repeat that sort, or start again without a cursor.',
    ],
    [
      { page: '2', cursor: encodeCursor({ sort: '-createdAt', value: null, id: 1 }) },
      'cursor',
      'Query parameter "cursor" cannot be combined with "page": use one or the other.',
    ],
    [{ author: 'bob' }, 'author', 'Query parameter "author" is invalid: not a number.'],
    [
      { where: '1=1' },
      'where',
      'Query parameter "where" is not accepted here. Accepted: page, cursor, limit, sort, author.',
    ],
    [
      { limit: ['10', '20'] },
      'limit',
      'Query parameter "limit" must be given once, as a plain value.',
    ],
    [{ sort: { $gt: '' } }, 'sort', 'Query parameter "sort" must be given once, as a plain value.'],
  ])('rejects %j naming "%s"', (raw, parameter, message) => {
    const error = rejection(raw);
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.getStatus()).toBe(400);
    expect(error.parameter).toBe(parameter);
    expect(error.message).toBe(message);
    expect(error.getResponse()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message,
      parameter,
    });
  });

  it('is a Nest pipe', () => {
    expect(posts.pipe.transform({ limit: '5' }).limit).toBe(5);
    expect(() => posts.pipe.transform({ limit: '500' })).toThrow(InvalidQueryError);
  });
});

describe('cursors', () => {
  it('round-trip and reject anything else', () => {
    const cursor = { sort: '-createdAt', value: '2026-01-01T00:00:00.000Z', id: 9 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(Buffer.from('{"a":1}').toString('base64url'))).toBeUndefined();
    expect(
      decodeCursor(Buffer.from('["x; DROP TABLE", 1, 2]').toString('base64url')),
    ).toBeUndefined();
    expect(
      decodeCursor(Buffer.from('["score", {"$gt": 1}, 2]').toString('base64url')),
    ).toBeUndefined();
    expect(decodeCursor('a'.repeat(600))).toBeUndefined();
    expect(decodeCursor('has spaces')).toBeUndefined();
  });
});
