import { MigrationService } from '@lattice/database';
import type { INestApplicationContext } from '@nestjs/common';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { createTestDatabase, TestDatabase } from '../../support/test-resources';
import { bootLibrary, tempSqlite } from './fixtures';

const LIBRARY_TABLES = ['author', 'book', 'book_genres', 'genre', 'note', 'profile', 'review'];

/** Which of the library's tables exist right now. */
async function tables(app: INestApplicationContext): Promise<string[]> {
  const runner = app.get(DataSource).createQueryRunner();
  try {
    const present = await Promise.all(LIBRARY_TABLES.map((name) => runner.hasTable(name)));
    return LIBRARY_TABLES.filter((_, i) => present[i]);
  } finally {
    await runner.release();
  }
}

/** generate → run → revert → run, on one database. */
function roundTrip(env: () => Record<string, string>) {
  it('generates a migration from the entities, runs it, reverts it and runs it again', async () => {
    const migrationsDir = mkdtempSync(join(tmpdir(), 'lattice-migrations-'));
    let app = await bootLibrary(env(), { migrationsDir });
    try {
      const generated = await app.get(MigrationService).generate('create-library');
      expect(generated.file).toMatch(/\d+-create-library\.ts$/);
      expect(readFileSync(generated.file, 'utf8')).toContain(
        `export class ${generated.className} implements MigrationInterface`,
      );
      expect(generated.up.join('\n')).toMatch(/CREATE TABLE [`"]book[`"]/);
    } finally {
      await app.close();
    }

    // A new boot loads the file that was just written.
    app = await bootLibrary(env(), { migrationsDir });
    try {
      const migrations = app.get(MigrationService);
      expect(await migrations.status()).toEqual([
        { name: expect.stringMatching(/^CreateLibrary\d+$/), applied: false },
      ]);
      expect(await tables(app)).toEqual([]);

      const ran = await migrations.run();
      expect(ran).toHaveLength(1);
      expect(await tables(app)).toEqual(LIBRARY_TABLES);
      expect((await migrations.status())[0].applied).toBe(true);
      await expect(migrations.generate('nothing-changed')).rejects.toMatchObject({
        code: 'LATTICE_DB_NO_CHANGES',
      });

      expect(await migrations.revert()).toBe(ran[0]);
      expect(await tables(app)).toEqual([]);
      expect((await migrations.status())[0].applied).toBe(false);

      expect(await migrations.run()).toEqual(ran);
      expect(await tables(app)).toContain('book');
      expect(await migrations.run()).toEqual([]); // nothing pending
    } finally {
      await app.close();
    }
  });

  it('refuses a migration name it cannot use as a file and class name', async () => {
    const app = await bootLibrary(env(), {
      migrationsDir: mkdtempSync(join(tmpdir(), 'lattice-migrations-')),
    });
    try {
      await expect(app.get(MigrationService).generate('../etc/passwd')).rejects.toMatchObject({
        code: 'LATTICE_DB_MIGRATION_NAME',
      });
    } finally {
      await app.close();
    }
  });
}

describe('migrations [sqlite]', () => {
  let url: string;
  beforeEach(() => {
    url = tempSqlite();
  });
  roundTrip(() => ({ DATABASE_URL: url }));
});

describeWith(['mysql'], 'migrations [mysql]', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database?.drop());
  roundTrip(() => ({ DATABASE_URL: database.url }));
});
