import { defineFactory, SeedContext, Seeder, SeedRunner } from '@lattice/database';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { createTestDatabase, TestDatabase } from '../../support/test-resources';
import { Author, Book, bootLibrary, tempSqlite } from './fixtures';

const authorFactory = defineFactory(Author, (faker) => ({ name: faker.person.fullName() }));

class AuthorSeeder extends Seeder {
  async run({ createMany, count }: SeedContext): Promise<void> {
    await createMany(authorFactory, count ?? 30);
  }
}

class BookSeeder extends Seeder {
  static override dependsOn = [AuthorSeeder];
  async run({ manager, faker, progress }: SeedContext): Promise<void> {
    const authors = await manager.find(Author);
    progress.start('books', authors.length);
    for (const author of authors) {
      await manager.save(Book, { title: faker.book.title().slice(0, 120), author });
      progress.advance();
    }
  }
}

class FailingSeeder extends Seeder {
  async run({ createMany }: SeedContext): Promise<void> {
    await createMany(authorFactory, 5);
    throw new Error('seed data source went away');
  }
}

class ChickenSeeder extends Seeder {
  static override dependsOn: (typeof Seeder)[] = [];
  async run(): Promise<void> {}
}
class EggSeeder extends Seeder {
  static override dependsOn = [ChickenSeeder];
  async run(): Promise<void> {}
}
ChickenSeeder.dependsOn = [EggSeeder];

const seeders = [AuthorSeeder, BookSeeder, FailingSeeder];
const names = async (app: INestApplicationContext) =>
  (
    await app
      .get(DataSource)
      .getRepository(Author)
      .find({ order: { id: 'ASC' } })
  ).map((a) => a.name);

function seedingSuite(env: () => Promise<Record<string, string>>) {
  it('runs dependencies first, once: a second run adds nothing', async () => {
    const app = await bootLibrary(await env(), { synchronize: true, seeders });
    try {
      const runner = app.get(SeedRunner);
      expect(await runner.pending()).toBe(true);
      expect(await runner.run({ seeder: 'BookSeeder', count: 12 })).toEqual({
        ran: ['AuthorSeeder', 'BookSeeder'],
        skipped: [],
      });
      const books = await app.get(DataSource).getRepository(Book).count();
      expect(await app.get(DataSource).getRepository(Author).count()).toBe(12);
      expect(books).toBe(12);

      expect(await runner.run({ seeder: 'BookSeeder', count: 12 })).toEqual({
        ran: [],
        skipped: ['AuthorSeeder', 'BookSeeder'],
      });
      expect(await app.get(DataSource).getRepository(Author).count()).toBe(12);
      expect(await app.get(DataSource).getRepository(Book).count()).toBe(books);
      expect(await runner.pending()).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('leaves nothing behind when a seeder fails, and can run it later', async () => {
    const app = await bootLibrary(await env(), { synchronize: true, seeders });
    try {
      await expect(app.get(SeedRunner).run({ seeder: 'FailingSeeder' })).rejects.toThrow(
        'seed data source went away',
      );
      expect(await app.get(DataSource).getRepository(Author).count()).toBe(0);
      expect(await app.get(DataSource).query('SELECT name FROM lattice_seeds')).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('makes the same data from the same seed number, and other data from another', async () => {
    const run = async (seed: number) => {
      const app = await bootLibrary(await env(), { synchronize: true, seeders });
      try {
        await app.get(SeedRunner).run({ seeder: 'AuthorSeeder', count: 8, seed });
        return await names(app);
      } finally {
        await app.close();
      }
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    expect(a).toHaveLength(8);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('names a dependency circle instead of overflowing the stack', async () => {
    const app = await bootLibrary(await env(), {
      synchronize: true,
      seeders: [ChickenSeeder, EggSeeder],
    });
    try {
      await expect(app.get(SeedRunner).run()).rejects.toMatchObject({
        code: 'LATTICE_DB_SEEDER_CYCLE',
        message:
          'Seeders depend on each other in a circle: ChickenSeeder → EggSeeder → ChickenSeeder.',
      });
    } finally {
      await app.close();
    }
  });

  it('names the registered seeders when asked for an unknown one', async () => {
    const app = await bootLibrary(await env(), { synchronize: true, seeders });
    try {
      await expect(app.get(SeedRunner).run({ seeder: 'Nope' })).rejects.toMatchObject({
        code: 'LATTICE_DB_SEEDER_UNKNOWN',
        message:
          'Seeder "Nope" is not registered. Registered: AuthorSeeder, BookSeeder, FailingSeeder.',
      });
    } finally {
      await app.close();
    }
  });
}

describe('seeding [sqlite]', () => {
  seedingSuite(async () => ({ DATABASE_URL: tempSqlite() }));
});

describeWith(['mysql'], 'seeding [mysql]', () => {
  const created: TestDatabase[] = [];
  afterAll(() => Promise.all(created.map((d) => d.drop())));
  seedingSuite(async () => {
    const database = await createTestDatabase();
    created.push(database);
    return { DATABASE_URL: database.url };
  });
});
