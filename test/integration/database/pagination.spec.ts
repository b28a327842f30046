import { encodeCursor, InvalidQueryError, ListQuery } from '@lattice/database';
import { Author, Book, BookRepository, bookList, describeOnEveryDatabase } from './fixtures';
import { DataSource } from 'typeorm';

describeOnEveryDatabase('paginate()', (db) => {
  const books = () => db().app.get(BookRepository);
  const ids: number[] = [];

  beforeAll(async () => {
    const dataSource = db().app.get(DataSource);
    const author = await dataSource.getRepository(Author).save({ name: 'Prolific' });
    // 57 books; scores repeat so keyset pages must break ties by id.
    for (let i = 0; i < 57; i++) {
      const book = await dataSource.getRepository(Book).save({
        title: `Book ${String(i).padStart(2, '0')}`,
        score: i % 5,
        author,
        createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
      });
      ids.push(book.id);
    }
  });

  const parse = (raw: Record<string, string>): ListQuery<Book> => bookList.parse(raw);

  it('returns offset pages with totals and a next cursor', async () => {
    const first = await books().paginate(parse({ sort: 'title', limit: '25' }));
    expect(first.items.map((b) => b.title)).toEqual(
      Array.from({ length: 25 }, (_, i) => `Book ${String(i).padStart(2, '0')}`),
    );
    expect(first.page).toMatchObject({
      mode: 'offset',
      number: 1,
      limit: 25,
      total: 57,
      pages: 3,
      hasMore: true,
    });
    expect(first.page.next).toEqual(expect.any(String));

    const last = await books().paginate(parse({ sort: 'title', limit: '25', page: '3' }));
    expect(last.items.map((b) => b.title)).toEqual([
      'Book 50',
      'Book 51',
      'Book 52',
      'Book 53',
      'Book 54',
      'Book 55',
      'Book 56',
    ]);
    expect(last.page).toMatchObject({ hasMore: false, next: null });
  });

  it.each(['score', '-score', 'createdAt', '-createdAt', '-title'])(
    'walks every row exactly once with cursors (sort=%s), in the same order as one big query',
    async (sort) => {
      const seen: number[] = [];
      let page = await books().paginate(parse({ sort, limit: '10' }));
      seen.push(...page.items.map((b) => b.id));
      while (page.page.next) {
        page = await books().paginate(parse({ sort, limit: '10', cursor: page.page.next }));
        expect(page.page.mode).toBe('cursor');
        seen.push(...page.items.map((b) => b.id));
      }
      expect(new Set(seen).size).toBe(57);
      const everything = await books().paginate(parse({ sort, limit: '25' }));
      const pageTwo = await books().paginate(parse({ sort, limit: '25', page: '2' }));
      const pageThree = await books().paginate(parse({ sort, limit: '25', page: '3' }));
      expect(seen).toEqual(
        [...everything.items, ...pageTwo.items, ...pageThree.items].map((b) => b.id),
      );
    },
  );

  it('keeps every row when timestamps differ below a millisecond (keyset on the database’s own value)', async () => {
    const ds = db().app.get(DataSource);
    const author = await ds.getRepository(Author).save({ name: 'Microseconds' });
    // Six rows inside one millisecond, written the way a DATETIME(6) default would store them.
    for (let i = 0; i < 6; i++) {
      const stamp = `2030-01-01 00:00:00.000${i}${db().driver === 'mysql' ? '00' : ''}`;
      await ds.query(
        'INSERT INTO book (title, score, author_id, created_at, updated_at, version) VALUES (?, 0, ?, ?, ?, 1)',
        [`Micro ${i}`, author.id, stamp, stamp],
      );
    }
    const seen: string[] = [];
    let page = await books().paginate(parse({ sort: '-createdAt', limit: '4' }));
    seen.push(...page.items.map((b) => b.title));
    while (page.page.next && seen.filter((t) => t.startsWith('Micro')).length < 6) {
      page = await books().paginate(
        parse({ sort: '-createdAt', limit: '4', cursor: page.page.next }),
      );
      seen.push(...page.items.map((b) => b.title));
    }
    expect(seen.filter((t) => t.startsWith('Micro'))).toEqual([
      'Micro 5',
      'Micro 4',
      'Micro 3',
      'Micro 2',
      'Micro 1',
      'Micro 0',
    ]);
    await ds.query('DELETE FROM book WHERE author_id = ?', [author.id]);
  });

  it('caches a page by id without mixing up the count and the rows', async () => {
    const cached = () =>
      books().paginate(parse({ sort: 'title', limit: '5' }), {
        scope: (qb) => qb.cache('books:first-page', 60_000),
        load: (qb, b) => qb.leftJoinAndSelect(`${b}.author`, 'author'),
      });
    const first = await cached();
    const again = await cached();
    for (const page of [first, again]) {
      expect(page.items.map((b) => b.title)).toEqual([
        'Book 00',
        'Book 01',
        'Book 02',
        'Book 03',
        'Book 04',
      ]);
      expect(page.items[0].author.name).toBe('Prolific');
      expect(page.page.total).toBeGreaterThanOrEqual(57);
    }
  });

  it('narrows with scope (rows and total) and loads relations only for the page', async () => {
    const page = await books().paginate(parse({ sort: 'title', limit: '3' }), {
      scope: (qb, b) => qb.andWhere(`${b}.score = :s`, { s: 2 }),
      load: (qb, b) => qb.leftJoinAndSelect(`${b}.author`, 'author'),
    });
    expect(page.items.map((b) => [b.title, b.score, b.author.name])).toEqual([
      ['Book 02', 2, 'Prolific'],
      ['Book 07', 2, 'Prolific'],
      ['Book 12', 2, 'Prolific'],
    ]);
    expect(page.page.total).toBe(ids.filter((_, i) => i % 5 === 2).length);
  });

  it('refuses a forged cursor whose value cannot be a date (400, not a slow or failing query)', async () => {
    const forged = encodeCursor({ sort: '-createdAt', value: "2025'; DROP TABLE book; --", id: 1 });
    await expect(books().paginate(parse({ cursor: forged }))).rejects.toBeInstanceOf(
      InvalidQueryError,
    );
  });

  it('applies allowlisted filters to both the rows and the total', async () => {
    const page = await books().paginate(parse({ minScore: '4', limit: '25' }));
    expect(page.items.every((b) => b.score >= 4)).toBe(true);
    expect(page.page.total).toBe(ids.filter((_, i) => i % 5 >= 4).length);
  });

  it('refuses a cursor issued for another sort', async () => {
    const page = await books().paginate(parse({ sort: 'score', limit: '10' }));
    expect(() => parse({ sort: 'title', cursor: page.page.next! })).toThrow(InvalidQueryError);
    expect(() => parse({ sort: 'title', cursor: page.page.next! })).toThrow(
      'was issued for sort=score',
    );
  });
});
