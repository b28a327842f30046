import { DatabaseModule } from '@lattice/database';
import { AuditLog } from '@lattice/security';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { createTestDatabase } from '../../support/test-resources';
import { bootSecurityApp, type SecurityApp } from './fixtures/security-app';
import { SecretNote } from './fixtures/secret-note.entity';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const K1 = `k1:${randomBytes(32).toString('base64')}`;
const K2 = `k2:${randomBytes(32).toString('base64')}`;
const CLI = 'test/integration/security/fixtures/security-cli.ts';

async function lattice(env: Record<string, string>, args: string[]) {
  const cli = new TsProcess(CLI, { LOG_LEVEL: 'error', JWT_SECRET: SECRET, ...env }, args);
  const { code } = await cli.exited;
  return { code, ...cli.output };
}

async function boot(env: Record<string, string>): Promise<SecurityApp> {
  return bootSecurityApp(
    'express',
    { JWT_SECRET: SECRET, ...env },
    { passwords: { memoryCost: 1024, timeCost: 1 } },
    {},
    { imports: [DatabaseModule.forFeature([SecretNote])] },
  );
}

interface Database {
  url: string;
  drop(): Promise<void>;
}

const sqlite = async (): Promise<Database> => ({
  url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-cli-')), 'db.sqlite')}`,
  drop: async () => undefined,
});

/** The commands against one kind of database; each test gets a fresh one. */
function commandSuites(createDatabase: () => Promise<Database>): void {
  let database: Database;
  beforeEach(async () => {
    database = await createDatabase();
  });
  afterEach(() => database?.drop());

  describe('lattice audit:verify', () => {
    it('says the chain is intact, then exits 1 and names the row after an edit or a deletion', async () => {
      const env = { DATABASE_URL: database.url, ENCRYPTION_KEYS: K1 };
      const server = await boot(env);
      const audit = server.app.get(AuditLog);
      for (let i = 1; i <= 4; i++)
        await audit.record({ type: 'role.changed', actorId: '1', subject: `user:${i}` });
      const data = server.app.get(DataSource);
      try {
        const intact = await lattice(env, ['audit:verify']);
        expect(intact).toMatchObject({ code: 0, stderr: '' });
        expect(intact.stdout).toContain('✔ The audit log is intact: 4 rows.');
        const head = /head (\d+:\S+)/.exec(intact.stdout)![1];
        expect(head.startsWith('4:')).toBe(true);
        expect((await lattice(env, ['audit:verify', '--head', head])).code).toBe(0);

        // Someone with write access changes who a role change was about.
        await data.query(`UPDATE lattice_audit_log SET subject = 'user:99' WHERE seq = 2`);
        const edited = await lattice(env, ['audit:verify']);
        expect(edited.code).toBe(1);
        expect(edited.stdout).toContain('✘ The audit log was tampered with: 1 problem in 4 rows.');
        expect(edited.stdout).toContain('seq 2: edited: its content does not match its hash');

        // A cut tail is caught against the head kept from the first run.
        await data.query(`DELETE FROM lattice_audit_log WHERE seq = 4`);
        const cut = await lattice(env, ['audit:verify', '--head', head]);
        expect(cut.code).toBe(1);
        expect(cut.stdout).toContain('seq 4: head: the log ends at 3');

        // A value the option cannot parse is a usage error: exit code 2.
        const bad = await lattice(env, ['audit:verify', '--head', 'nonsense']);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('--head "nonsense" is not a head');
      } finally {
        await server.app.close();
      }
    }, 60_000);
  });

  describe('lattice security:reencrypt', () => {
    it('re-encrypts every @Encrypted value under the new key; the values still read back', async () => {
      const url = database.url;
      let server = await boot({ DATABASE_URL: url, ENCRYPTION_KEYS: K1 });
      await server.app
        .get(DataSource)
        .getRepository(SecretNote)
        .save([
          { title: 'a', body: 'first secret', phone: '+41 79 000 00 00' },
          { title: 'b', body: 'second secret', phone: null },
        ]);
      await server.app.close();

      const rotated = { DATABASE_URL: url, ENCRYPTION_KEYS: `${K2},${K1}` };
      const dry = await lattice(rotated, ['security:reencrypt', '--dry-run']);
      expect(dry).toMatchObject({ code: 0, stderr: '' });
      expect(dry.stdout).toContain('SecretNote.body: 2 of 2 values to re-encrypt');
      const run = await lattice(rotated, ['security:reencrypt']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain('Re-encrypting with key "k2"');
      expect(run.stdout).toContain('✔ SecretNote.body: 2 of 2 values re-encrypted');
      expect(run.stdout).toContain('✔ SecretNote.phone: 1 of 1 value re-encrypted');
      expect(run.stdout).toContain('3 values re-encrypted');
      expect((await lattice(rotated, ['security:reencrypt'])).stdout).toContain(
        '0 values re-encrypted',
      );

      // Only the new key now: every value still decrypts.
      server = await boot({ DATABASE_URL: url, ENCRYPTION_KEYS: K2 });
      try {
        const data = server.app.get(DataSource);
        const raw = (await data.query('SELECT body, phone FROM secret_notes')) as Array<{
          body: string;
          phone: string | null;
        }>;
        expect(raw.every((row) => row.body.startsWith('enc:v1:k2:'))).toBe(true);
        const notes = await data.getRepository(SecretNote).find({ order: { id: 'ASC' } });
        expect(notes.map((n) => [n.body, n.phone])).toEqual([
          ['first secret', '+41 79 000 00 00'],
          ['second secret', null],
        ]);
      } finally {
        await server.app.close();
      }
    }, 60_000);
  });
}

describe('on SQLite', () => commandSuites(sqlite));

describeWith(['mysql'], 'on MariaDB', () => commandSuites(createTestDatabase));
