import { DatabaseModule } from '@lattice/database';
import { Encrypted, Encryption } from '@lattice/security';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bootSecurityApp, type SecurityApp } from './fixtures/security-app';

@Entity('encrypted_accounts')
class Account {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 40 })
  holder: string;

  @Encrypted()
  iban: string;

  @Encrypted({ nullable: true })
  phone: string | null;
}

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

describe('@Encrypted columns on SQLite', () => {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-encrypted-')), 'db.sqlite')}`;
  let server: SecurityApp | undefined;
  const boot = async (keys: string) => {
    await server?.app.close();
    server = await bootSecurityApp(
      'express',
      { DATABASE_URL: url, JWT_SECRET: SECRET, ENCRYPTION_KEYS: keys },
      {},
      {},
      { imports: [DatabaseModule.forFeature([Account])] },
    );
    const data = server.app.get(DataSource);
    return { data, accounts: data.getRepository(Account), encryption: server.app.get(Encryption) };
  };
  afterAll(() => server?.app.close());

  it('stores ciphertext, reads plaintext, and survives a key rotation', async () => {
    const first = await boot(k1);
    const saved = await first.accounts.save({
      holder: 'Ada',
      iban: 'DE89 3704 0044 0532 0130 00',
      phone: null,
    });
    const [raw] = (await first.data.query(
      'SELECT iban, phone FROM encrypted_accounts WHERE id = ?',
      [saved.id],
    )) as Array<{ iban: string; phone: string | null }>;
    expect(raw.iban).toMatch(/^enc:v1:k1:/);
    expect(raw.iban).not.toContain('DE89');
    expect(raw.phone).toBeNull();
    expect(await first.accounts.findOneByOrFail({ id: saved.id })).toMatchObject({
      iban: 'DE89 3704 0044 0532 0130 00',
      phone: null,
    });

    // k2 becomes the current key; k1 stays to read old rows.
    const second = await boot(`${k2},${k1}`);
    expect((await second.accounts.findOneByOrFail({ id: saved.id })).iban).toBe(
      'DE89 3704 0044 0532 0130 00',
    );
    const fresh = await second.accounts.save({
      holder: 'Grace',
      iban: 'GB33 BUKB 2020 1555 5555 55',
      phone: '+44 20 7946 0000',
    });
    // Only this test's two rows: the other test (which may run first) stores one of its own.
    const rows = (await second.data.query(
      'SELECT id, iban, phone FROM encrypted_accounts WHERE id IN (?, ?) ORDER BY id',
      [saved.id, fresh.id],
    )) as Array<{
      id: number;
      iban: string;
      phone: string | null;
    }>;
    expect(rows.map((row) => row.iban.split(':')[2])).toEqual(['k1', 'k2']);
    expect(rows[1].phone).toMatch(/^enc:v1:k2:/);

    // Re-encrypt the old row with the current key, then k1 can go.
    const old = rows[0];
    expect(second.encryption.needsRotation(old.iban)).toBe(true);
    await second.data.query('UPDATE encrypted_accounts SET iban = ? WHERE id = ?', [
      second.encryption.rotate(old.iban, 'Account.iban'),
      old.id,
    ]);
    const third = await boot(k2);
    expect((await third.accounts.findOneByOrFail({ id: saved.id })).iban).toBe(
      'DE89 3704 0044 0532 0130 00',
    );
    expect((await third.accounts.findOneByOrFail({ id: fresh.id })).phone).toBe('+44 20 7946 0000');
  });

  it('refuses a ciphertext moved from one column to another', async () => {
    const { data, accounts } = await boot(k2);
    const saved = await accounts.save({
      holder: 'Mallory',
      iban: 'FR76 3000 6000 0112 3456 7890 189',
      phone: '+33 1 00 00 00 00',
    });
    await data.query('UPDATE encrypted_accounts SET phone = iban WHERE id = ?', [saved.id]);
    await expect(accounts.findOneByOrFail({ id: saved.id })).rejects.toMatchObject({
      code: 'LATTICE_SECURITY_DECRYPT_FAILED',
    });
  });
});
