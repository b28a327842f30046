import { Logger } from '@nestjs/common';
import { explain, QueryContext } from '@lattice/database';
import { DataSource } from 'typeorm';
import {
  Author,
  Book,
  BookRepository,
  Genre,
  Profile,
  Review,
  describeOnEveryDatabase,
} from './fixtures';

describeOnEveryDatabase('relations, profiling, cache and explain', (db) => {
  let bookId: number;
  const dataSource = () => db().app.get(DataSource);

  beforeAll(async () => {
    const ds = dataSource();
    const [poe, doyle] = await ds.getRepository(Author).save([{ name: 'Poe' }, { name: 'Doyle' }]);
    const genres = await ds.getRepository(Genre).save([{ name: 'mystery' }, { name: 'horror' }]);
    const book = await ds.getRepository(Book).save({ title: 'The Gold-Bug', author: poe, genres });
    bookId = book.id;
    await ds.getRepository(Review).save([
      { book, reviewer: doyle, rating: 5 },
      { book, reviewer: poe, rating: 3 },
    ]);
    for (let i = 0; i < 15; i++)
      await ds.getRepository(Book).save({ title: `Tale ${i}`, author: poe });
  });

  it('loads many-to-one, many-to-many and a join entity with its own columns', async () => {
    const book = await db()
      .app.get(BookRepository)
      .findById(bookId, { relations: { author: true, genres: true, reviews: { reviewer: true } } });
    expect(book.author.name).toBe('Poe');
    expect(book.genres.map((g) => g.name).sort()).toEqual(['horror', 'mystery']);
    expect(book.reviews.map((r) => [r.reviewer.name, r.rating]).sort()).toEqual([
      ['Doyle', 5],
      ['Poe', 3],
    ]);
  });

  it('loads a lazy relation when it is awaited', async () => {
    const ds = dataSource();
    const author = await ds
      .getRepository(Author)
      .save({ name: 'Lazy Lou', profile: { bio: 'lazy' } });
    const profile = await ds.getRepository(Profile).findOneByOrFail({ id: author.profile!.id });
    const owner = await profile.author;
    expect(owner?.name).toBe('Lazy Lou');
  });

  it('loads relations explicitly when asked, and not before', async () => {
    const book = await dataSource().getRepository(Book).findOneByOrFail({ id: bookId });
    expect(book.genres).toBeUndefined();
    const genres = await dataSource()
      .createQueryBuilder()
      .relation(Book, 'genres')
      .of(book)
      .loadMany<Genre>();
    expect(genres).toHaveLength(2);
  });

  it('warns about N+1 queries with the SQL shape and the calling line, once per shape', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const stats = await QueryContext.run('test N+1', async () => {
      const books = await dataSource().getRepository(Book).find({ where: {}, take: 14 });
      for (const book of books) {
        // the N+1: one query per book for what one IN (...) query could fetch
        await dataSource()
          .getRepository(Book)
          .createQueryBuilder('b')
          .select('b.author_id')
          .where('b.id = :id', { id: book.id })
          .getRawOne();
      }
      return QueryContext.current()!;
    });
    const warnings = warn.mock.calls
      .map((call) => String(call[0]))
      .filter((m) => m.includes('N+1'));
    warn.mockRestore();
    expect(stats.count).toBeGreaterThanOrEqual(15);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Possible N+1 in test N+1: the same query ran 11 times.');
    expect(warnings[0]).toMatch(/SQL: SELECT .*author_id.* WHERE .*id. = \?/i);
    expect(warnings[0]).toMatch(/from: .*relations\.spec\.ts:\d+/);
  });

  it('counts nothing outside a unit of work', async () => {
    expect(QueryContext.current()).toBeUndefined();
    await dataSource().getRepository(Book).count();
    expect(QueryContext.current()).toBeUndefined();
  });

  it('caches a query result by identifier until it is removed', async () => {
    const query = () =>
      dataSource()
        .getRepository(Book)
        .createQueryBuilder('b')
        .where('b.title LIKE :t', { t: 'Tale%' })
        .cache('tales', 60_000)
        .getCount();
    const run = () =>
      QueryContext.run('cache', async () => {
        const n = await query();
        return { n, queries: QueryContext.current()!.count };
      });
    const first = await run();
    expect(first.n).toBe(15);
    await dataSource()
      .getRepository(Book)
      .save({
        title: 'Tale extra',
        author: {
          id: (await dataSource().getRepository(Author).findOneByOrFail({ name: 'Poe' })).id,
        },
      });
    const cached = await run();
    expect(cached).toEqual({ n: 15, queries: 0 }); // served from the cache: stale on purpose
    await dataSource().queryResultCache!.remove(['tales']);
    const fresh = await run();
    expect(fresh.n).toBe(16);
    expect(fresh.queries).toBeGreaterThan(0);
  });

  it('explains a query with the database’s own planner', async () => {
    const plan = await explain(
      dataSource().getRepository(Book).createQueryBuilder('b').where('b.id = :id', { id: bookId }),
    );
    expect(plan.length).toBeGreaterThan(0);
    const text = JSON.stringify(plan);
    expect(text).toMatch(db().driver === 'sqlite' ? /SEARCH|SCAN/ : /PRIMARY/);
  });
});
