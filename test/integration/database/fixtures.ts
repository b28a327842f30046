import { LatticeModule } from '@lattice/core';
import {
  DatabaseModule,
  DatabaseModuleOptions,
  EntityRepository,
  LatticeEntity,
  LatticeRepository,
  SoftDeletable,
  TransactionHost,
  Transactional,
  Versioned,
  defineListQuery,
} from '@lattice/database';
import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Column,
  Entity,
  JoinColumn,
  JoinTable,
  ManyToMany,
  ManyToOne,
  OneToMany,
  OneToOne,
} from 'typeorm';
import { z } from 'zod';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { createTestDatabase, uniqueRedisPrefix } from '../../support/test-resources';

// A small library domain that exercises every relation kind.

@Entity()
export class Profile extends LatticeEntity {
  @Column({ type: 'varchar', length: 200, default: '' })
  bio: string;

  /** The inverse side, lazy: a Promise that queries on first await. */
  @OneToOne(() => Author, (author) => author.profile, { lazy: true })
  author: Promise<Author | null>;
}

@Entity()
export class Author extends LatticeEntity {
  @Column({ length: 80 })
  name: string;

  @OneToOne(() => Profile, (profile) => profile.author, {
    cascade: true,
    eager: true,
    nullable: true,
  })
  @JoinColumn()
  profile: Profile | null;

  @OneToMany(() => Book, (book) => book.author)
  books: Book[];
}

@Entity()
export class Genre extends LatticeEntity {
  @Column({ length: 40, unique: true })
  name: string;
}

@Entity()
export class Book extends Versioned(SoftDeletable(LatticeEntity)) {
  @Column({ length: 120 })
  title: string;

  @Column({ default: 0 })
  score: number;

  @ManyToOne(() => Author, (author) => author.books, { nullable: false })
  author: Author;

  @ManyToMany(() => Genre)
  @JoinTable()
  genres: Genre[];

  @OneToMany(() => Review, (review) => review.book)
  reviews: Review[];
}

/** A join entity between Book and Author with columns of its own. */
@Entity()
export class Review extends LatticeEntity {
  @ManyToOne(() => Book, (book) => book.reviews, { nullable: false })
  book: Book;

  @ManyToOne(() => Author, { nullable: false })
  reviewer: Author;

  @Column()
  rating: number;
}

/** A plain entity without soft delete: delete removes the row. */
@Entity()
export class Note extends LatticeEntity {
  @Column({ length: 100 })
  text: string;
}

@EntityRepository(Book)
export class BookRepository extends LatticeRepository<Book> {}

@EntityRepository(Author)
export class AuthorRepository extends LatticeRepository<Author> {}

export const bookList = defineListQuery<Book>({
  sortable: ['createdAt', 'score', 'title'],
  defaultSort: '-createdAt',
  limit: { default: 10, max: 25 },
  filters: {
    minScore: {
      schema: z.coerce.number({ error: 'not a number' }).int({ error: 'not a whole number' }),
      apply: (qb, value, alias) => qb.andWhere(`${alias}.score >= :minScore`, { minScore: value }),
    },
  },
});

@Injectable()
export class LibraryService {
  constructor(
    readonly books: BookRepository,
    readonly authors: AuthorRepository,
    readonly transactions: TransactionHost,
  ) {}

  /** Writes an author and a book, then fails: neither may remain. */
  @Transactional()
  async publishThenFail(name: string): Promise<void> {
    const author = await this.authors.create({ name });
    await this.books.create({ title: `${name}'s book`, author });
    throw new Error('printing press on fire');
  }

  /** Calls another transactional method: both must share one transaction. */
  @Transactional()
  async outer(name: string, fail: boolean): Promise<{ sameManager: boolean }> {
    const managerOutside = this.transactions.manager;
    const innerManager = await this.inner(name);
    if (fail) throw new Error('outer failed after inner succeeded');
    return { sameManager: managerOutside === innerManager };
  }

  @Transactional()
  async inner(name: string) {
    await this.authors.create({ name });
    return this.transactions.manager;
  }
}

export const ENTITIES = [Profile, Author, Genre, Book, Review, Note];

export interface DatabaseUnderTest {
  driver: 'sqlite' | 'mysql';
  app: INestApplicationContext;
}

/** Boots a context with the test entities on the given database (and Redis when set). */
export async function bootLibrary(
  env: Record<string, string | undefined>,
  options: DatabaseModuleOptions = { synchronize: true },
  { quiet = false } = {},
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      DatabaseModule.forRoot(options),
      DatabaseModule.forFeature([...ENTITIES, BookRepository, AuthorRepository]),
    ],
    providers: [LibraryService],
  })
  class LibraryModule {}
  return NestFactory.createApplicationContext(LibraryModule, {
    logger: quiet ? false : ['error'],
    abortOnError: false,
  });
}

export function tempSqlite(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-db-')), 'test.sqlite')}`;
}

/**
 * The shared suite: the same tests on SQLite (always) and on MariaDB/MySQL + Redis (real
 * services; skipped locally with a printed reason when they are down, required in CI).
 */
export function describeOnEveryDatabase(
  name: string,
  suite: (db: () => DatabaseUnderTest) => void,
): void {
  describe(`${name} [sqlite]`, () => {
    let current: DatabaseUnderTest;
    beforeAll(async () => {
      current = { driver: 'sqlite', app: await bootLibrary({ DATABASE_URL: tempSqlite() }) };
    });
    afterAll(() => current?.app.close());
    suite(() => current);
  });

  describeWith(['mysql', 'redis'], `${name} [mysql + redis]`, () => {
    let current: DatabaseUnderTest;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const database = await createTestDatabase();
      drop = database.drop;
      current = {
        driver: 'mysql',
        app: await bootLibrary({
          DATABASE_URL: database.url,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: uniqueRedisPrefix('db'),
        }),
      };
    });
    afterAll(async () => {
      await current?.app.close();
      await drop?.();
    });
    suite(() => current);
  });
}
