import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootLibrary, tempSqlite } from './fixtures';

describe('connection errors at boot', () => {
  it('name the database with its password masked, the cause and the fix', async () => {
    const error = await bootLibrary(
      { DATABASE_URL: 'mysql://app:s3cret@127.0.0.1:1/forum' },
      { synchronize: true, retryAttempts: 1 },
      { quiet: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'LATTICE_DB_CONNECTION_FAILED',
      message: expect.stringMatching(
        /^Cannot connect to the database at mysql:\/\/app:\*\*\*@127\.0\.0\.1:1\/forum: .*ECONNREFUSED/,
      ),
      hint: expect.stringContaining('Check that MySQL/MariaDB is running'),
    });
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });
});

describe('a migration that fails at boot', () => {
  it('is reported as a failed migration, once, with the cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-bad-migration-'));
    writeFileSync(
      join(dir, '1700000000000-broken.ts'),
      "export class Broken1700000000000 { name = 'Broken1700000000000'; async up(q: any) { await q.query('CREATE TABLE oops (id int'); } async down() {} }\n",
    );
    const error = await bootLibrary(
      { DATABASE_URL: tempSqlite() },
      { migrationsDir: dir, migrationsRun: true },
      { quiet: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'LATTICE_DB_MIGRATION_FAILED',
      message: expect.stringMatching(
        /^A migration failed on sqlite:.*test\.sqlite: .*(incomplete input|syntax error)/,
      ),
    });
  });
});
