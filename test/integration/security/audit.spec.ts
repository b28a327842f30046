import { AuditLog } from '@lattice/security';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { createTestDatabase, type TestDatabase } from '../../support/test-resources';
import { bootSecurityApp, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const PASSWORD = 'correct horse battery';
const sqlite = () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-audit-')), 'db.sqlite')}`;
const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

interface Row {
  seq: number;
  occurred_at: string;
  type: string;
  actor_id: string | null;
  ip: string | null;
  subject: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

describe.each([
  ['with ENCRYPTION_KEYS (HMAC chain)', KEYS],
  ['without keys (SHA-256 chain)', undefined],
])('the audit log %s', (_label, keys) => {
  let server: SecurityApp;
  let audit: AuditLog;
  let data: DataSource;
  const rows = () => data.query('SELECT * FROM lattice_audit_log ORDER BY seq') as Promise<Row[]>;

  beforeEach(async () => {
    server = await bootSecurityApp(
      'fastify',
      { DATABASE_URL: sqlite(), JWT_SECRET: SECRET, ...(keys ? { ENCRYPTION_KEYS: keys } : {}) },
      { loginThrottle: { maxAttemptsPerAccount: 2 } },
    );
    audit = server.app.get(AuditLog);
    data = server.app.get(DataSource);
    // A realistic history: registration, a failed login, a lockout, a login, a reused refresh token.
    const register = await post(`${server.url}/auth/register`, {
      username: 'ada',
      password: PASSWORD,
      delivery: 'bearer',
    });
    const { refreshToken } = (await register.json()) as { refreshToken: string };
    await post(`${server.url}/auth/login`, { username: 'ada', password: 'wrong password' });
    await post(`${server.url}/auth/login`, { username: 'grace', password: 'wrong password' });
    await post(`${server.url}/auth/login`, { username: 'grace', password: 'wrong password' });
    await post(`${server.url}/auth/login`, { username: 'grace', password: 'wrong password' });
    await post(`${server.url}/auth/login`, { username: 'ada', password: PASSWORD });
    await post(`${server.url}/auth/refresh`, { refreshToken });
    await post(`${server.url}/auth/refresh`, { refreshToken });
  });
  afterEach(() => server?.app.close());

  it('records the security events in order, and the chain verifies', async () => {
    expect((await rows()).map((row) => row.type)).toEqual([
      'user.registered',
      'login.failed',
      'login.failed',
      'login.failed',
      'login.locked',
      'login.succeeded',
      'refresh.reused',
    ]);
    const [latest] = await audit.latest(1);
    expect(latest).toMatchObject({
      type: 'refresh.reused',
      subject: expect.stringMatching(/^session:/),
    });
    const verification = await audit.verify();
    expect(verification).toMatchObject({ ok: true, count: 7, problems: [] });
    expect(verification.head).toEqual({ seq: 7, hash: latest.hash });
  });

  it('finds an edited row', async () => {
    await data.query(`UPDATE lattice_audit_log SET type = 'login.succeeded' WHERE seq = 2`);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      problems: [{ seq: 2, problem: 'edited' }],
    });
  });

  it('finds a deleted row', async () => {
    await data.query('DELETE FROM lattice_audit_log WHERE seq = 4');
    const { ok, problems } = await audit.verify();
    expect(ok).toBe(false);
    expect(problems.map((p) => [p.seq, p.problem])).toEqual([
      [5, 'missing'],
      [5, 'unlinked'],
    ]);
  });

  it('finds a cut tail, given the head recorded earlier', async () => {
    const { head } = await audit.verify();
    await data.query('DELETE FROM lattice_audit_log WHERE seq >= 6');
    expect((await audit.verify()).ok).toBe(true); // the rest is a valid chain
    expect(await audit.verify(head!)).toMatchObject({
      ok: false,
      problems: [{ seq: 7, problem: 'head' }],
    });
  });

  it(
    keys
      ? 'finds an edit even when the attacker recomputes the SHA-256 chain (the hash is an HMAC)'
      : 'cannot tell an edit whose whole chain was recomputed (configure ENCRYPTION_KEYS)',
    async () => {
      // What someone with write access to the database but without the key can do.
      const all = await rows();
      let prev = '';
      for (const row of all) {
        if (row.seq === 3) row.subject = 'username:someone-else';
        const canonical = JSON.stringify([
          row.seq,
          row.occurred_at,
          row.type,
          row.actor_id,
          row.ip,
          row.subject,
          row.data,
          prev,
        ]);
        const hash = 'sha256:' + createHash('sha256').update(canonical).digest('hex');
        await data.query(
          'UPDATE lattice_audit_log SET subject = ?, prev_hash = ?, hash = ? WHERE seq = ?',
          [row.subject, prev, hash, row.seq],
        );
        prev = hash;
      }
      const { ok } = await audit.verify();
      expect(ok).toBe(!keys);
    },
  );
});

describeWith(['mysql'], 'the audit log on MariaDB with two nodes appending at once', () => {
  let database: TestDatabase;
  const servers: SecurityApp[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(servers.map(({ app }) => app.close()));
    await database?.drop();
  });

  it('keeps one gapless chain', async () => {
    const env = { DATABASE_URL: database.url, JWT_SECRET: SECRET, ENCRYPTION_KEYS: KEYS };
    servers.push(await bootSecurityApp('express', env, {}));
    servers.push(await bootSecurityApp('fastify', env, {}));
    const [a, b] = servers.map(({ app }) => app.get(AuditLog));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).record({ type: 'test.event', subject: `n:${i}`, data: { i } }),
      ),
    );
    const verification = await a.verify();
    expect(verification).toMatchObject({ ok: true, count: 40, problems: [] });
    expect(verification.head?.seq).toBe(40);
  });
});
