import { createHmac, generateKeyPairSync, randomUUID, sign as rsaSign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { createTestDatabase, type TestDatabase } from '../../support/test-resources';
import { bootSecurityApp, type Platform, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const ISSUER = 'lattice-test';
const AUDIENCE = 'forum';
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A JWT made by hand, so the tests control every byte the server sees. */
function craft(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: { hmac: string | Buffer } | { rsa: Parameters<typeof rsaSign>[2] } | 'none',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (key === 'none') return `${input}.`;
  const signature =
    'hmac' in key
      ? createHmac('sha256', key.hmac).update(input).digest()
      : rsaSign('sha256', Buffer.from(input), key.rsa);
  return `${input}.${signature.toString('base64url')}`;
}

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const cookiesOf = (response: Response) => response.headers.getSetCookie();
const cookieValue = (response: Response, name: string) =>
  cookiesOf(response)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    .slice(name.length + 1);

type Algorithm = 'HS256' | 'RS256';
type Db = 'sqlite' | 'mysql';

function suite(platform: Platform, db: Db, algorithm: Algorithm) {
  let server: SecurityApp;
  let database: TestDatabase | undefined;
  let url: string;
  /** The key that signs valid tokens, for the claims checks. */
  const good = algorithm === 'HS256' ? { hmac: SECRET } : { rsa: rsa.privateKey };
  const header = { alg: algorithm, typ: 'JWT' };

  beforeAll(async () => {
    let databaseUrl: string;
    if (db === 'mysql') {
      database = await createTestDatabase();
      databaseUrl = database.url;
    } else {
      databaseUrl = `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-security-')), 'db.sqlite')}`;
    }
    server = await bootSecurityApp(
      platform,
      { DATABASE_URL: databaseUrl, JWT_SECRET: SECRET },
      {
        jwt:
          algorithm === 'HS256'
            ? { issuer: ISSUER, audience: AUDIENCE }
            : {
                algorithm: 'RS256',
                privateKey: rsa.privateKey,
                publicKey: rsa.publicKey,
                issuer: ISSUER,
                audience: AUDIENCE,
              },
        loginThrottle: { maxAttemptsPerAccount: 3, maxAttemptsPerIp: 1000, windowSeconds: 60 },
        passwords: { memoryCost: 19456, timeCost: 2 },
      },
    );
    url = server.url;
  });
  afterAll(async () => {
    await server?.app.close();
    await database?.drop();
  });

  let accounts = 0;
  /** A new account logged in for an API: its tokens and user. */
  async function apiUser() {
    const username = `user${++accounts}-${randomUUID().slice(0, 6)}`;
    const response = await post(`${url}/auth/register`, {
      username,
      password: 'correct horse battery',
      delivery: 'bearer',
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      accessToken: string;
      refreshToken: string;
      user: { id: string; username: string; roles: string[] };
    };
    return { username, ...body };
  }
  const notes = (token: string) =>
    fetch(`${url}/notes`, { headers: { authorization: `Bearer ${token}` } });
  const claims = (overrides: Record<string, unknown>, sub = '1') => ({
    typ: 'access',
    sub,
    name: 'someone',
    roles: ['admin'],
    sid: randomUUID(),
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    nbf: now(),
    exp: now() + 300,
    ...overrides,
  });

  it('registers with argon2id and sets HttpOnly, Secure, SameSite cookies that open protected routes', async () => {
    const response = await post(`${url}/auth/register`, {
      username: `  Page-${randomUUID().slice(0, 6)} `,
      password: 'correct horse battery',
      roles: ['admin'], // never taken from the request
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('accessToken');
    expect(body).not.toHaveProperty('refreshToken');
    expect((body.user as { roles: string[] }).roles).toEqual(['member']);
    expect((body.user as { username: string }).username).toMatch(/^page-/);
    const [access, refresh] = [
      cookiesOf(response).find((c) => c.startsWith('__Host-lattice_access=')),
      cookiesOf(response).find((c) => c.startsWith('__Secure-lattice_refresh=')),
    ];
    expect(access).toMatch(/; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
    expect(refresh).toMatch(/; Path=\/auth; Max-Age=1209600; HttpOnly; Secure; SameSite=Strict$/);

    const cookie = `__Host-lattice_access=${cookieValue(response, '__Host-lattice_access')}`;
    const page = await fetch(`${url}/notes`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ roles: ['member'] });
    expect((await fetch(`${url}/notes`)).status).toBe(401);
    expect(await (await fetch(`${url}/open`)).json()).toEqual({ visitor: null });
    expect(await (await fetch(`${url}/open`, { headers: { cookie } })).json()).toEqual({
      visitor: (body.user as { username: string }).username,
    });
  });

  it('stores only an argon2id hash of the password', async () => {
    const { username } = await apiUser();
    const rows = await query(`SELECT password_hash FROM lattice_users WHERE username = ?`, [
      username,
    ]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0].password_hash).not.toContain('correct horse');
  });

  it('logs in API clients with bearer tokens, and refuses a wrong password and an unknown user alike', async () => {
    const { username } = await apiUser();
    const login = await post(`${url}/auth/login`, {
      username: username.toUpperCase(),
      password: 'correct horse battery',
      delivery: 'bearer',
    });
    expect(login.status).toBe(200);
    expect(cookiesOf(login)).toEqual([]);
    const { accessToken, tokenType } = (await login.json()) as {
      accessToken: string;
      tokenType: string;
    };
    expect(tokenType).toBe('Bearer');
    expect(await (await notes(accessToken)).json()).toMatchObject({ username });
    expect(
      await (
        await fetch(`${url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } })
      ).json(),
    ).toMatchObject({ username, roles: ['member'] });

    const wrong = await post(`${url}/auth/login`, { username, password: 'wrong password!' });
    const unknown = await post(`${url}/auth/login`, {
      username: `nobody-${randomUUID()}`,
      password: 'wrong password!',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
  });

  it('refuses duplicate usernames (409) and short passwords (400)', async () => {
    const { username } = await apiUser();
    expect(
      (await post(`${url}/auth/register`, { username, password: 'another password' })).status,
    ).toBe(409);
    expect(
      (await post(`${url}/auth/register`, { username: `x-${randomUUID()}`, password: 'short' }))
        .status,
    ).toBe(400);
  });

  describe('JWT attack suite: every token is refused with 401', () => {
    const attacks: Array<[string, () => Promise<string>]> = [
      ...['none', 'None', 'NONE', 'nOnE'].flatMap((alg): Array<[string, () => Promise<string>]> => [
        [`alg "${alg}", no signature`, async () => craft({ alg, typ: 'JWT' }, claims({}), 'none')],
        [
          `alg "${alg}" with a signature`,
          async () =>
            `${craft({ alg, typ: 'JWT' }, claims({}), 'none')}${Buffer.from('x').toString('base64url')}`,
        ],
      ]),
      ['no alg at all', async () => craft({ typ: 'JWT' }, claims({}), { hmac: SECRET })],
      [
        'HS256 signed with the server’s public key (algorithm confusion)',
        async () => craft({ alg: 'HS256', typ: 'JWT' }, claims({}), { hmac: rsa.publicKey }),
      ],
      [
        'HS256 signed with the public key in DER',
        async () =>
          craft({ alg: 'HS256', typ: 'JWT' }, claims({}), {
            hmac: Buffer.from(rsa.publicKey.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
          }),
      ],
      [
        'expired beyond the clock skew',
        async () => craft(header, claims({ iat: now() - 700, exp: now() - 120 }), good),
      ],
      [
        'not valid before a time beyond the skew',
        async () => craft(header, claims({ nbf: now() + 120 }), good),
      ],
      [
        'issued in the future',
        async () => craft(header, claims({ iat: now() + 600, nbf: now() }), good),
      ],
      ['wrong issuer', async () => craft(header, claims({ iss: 'https://evil.example' }), good)],
      ['wrong audience', async () => craft(header, claims({ aud: 'another-app' }), good)],
      ['no exp', async () => craft(header, claims({ exp: undefined }), good)],
      [
        'lifetime longer than allowed',
        async () => craft(header, claims({ exp: now() + 86_400 }), good),
      ],
      ['not an access token', async () => craft(header, claims({ typ: 'refresh' }), good)],
      [
        'tampered payload (roles raised to admin)',
        async () => {
          const { accessToken } = await apiUser();
          const [h, , s] = accessToken.split('.');
          return `${h}.${b64({ ...decodePayload(accessToken), roles: ['admin'] })}.${s}`;
        },
      ],
      [
        'kid pointing at a file, signed with an empty key',
        async () =>
          craft({ ...header, alg: 'HS256', kid: '../../../../dev/null' }, claims({}), { hmac: '' }),
      ],
      [
        'kid naming the attacker’s key',
        async () =>
          craft({ ...header, alg: 'HS256', kid: 'attacker' }, claims({}), {
            hmac: 'attacker-secret-attacker-secret-0',
          }),
      ],
      [
        'jku pointing at the attacker’s key set',
        async () =>
          craft(
            { alg: 'RS256', typ: 'JWT', jku: 'https://evil.example/jwks.json', kid: '1' },
            claims({}),
            {
              rsa: attacker.privateKey,
            },
          ),
      ],
      [
        'jwk embedding the attacker’s public key',
        async () =>
          craft(
            { alg: 'RS256', typ: 'JWT', jwk: attacker.publicKey.export({ format: 'jwk' }) },
            claims({}),
            { rsa: attacker.privateKey },
          ),
      ],
      [
        'x5u pointing at the attacker’s certificate',
        async () =>
          craft(
            { ...header, x5u: 'https://evil.example/cert.pem' },
            claims({}),
            algorithm === 'HS256' ? { hmac: 'attacker' } : { rsa: attacker.privateKey },
          ),
      ],
      [
        'truncated signature',
        async () => {
          const { accessToken } = await apiUser();
          return accessToken.slice(0, -3);
        },
      ],
      [
        'signature removed',
        async () => {
          const { accessToken } = await apiUser();
          return accessToken.slice(0, accessToken.lastIndexOf('.') + 1);
        },
      ],
      [
        'a critical header extension',
        async () => craft({ ...header, crit: ['exp'] }, claims({}), good),
      ],
      ['garbage', async () => 'not.a.token'],
    ];

    it.each(attacks)('%s', async (_name, make) => {
      const token = await make();
      const bearer = await notes(token);
      expect(bearer.status).toBe(401);
      expect(await bearer.json()).toMatchObject({ statusCode: 401 });
      const cookie = await fetch(`${url}/notes`, {
        headers: { cookie: `__Host-lattice_access=${token}` },
      });
      expect(cookie.status).toBe(401);
    });

    it('while the same claims, properly signed, are accepted, also within the clock skew', async () => {
      expect((await notes(craft(header, claims({}), good))).status).toBe(200);
      expect((await notes(craft(header, claims({ exp: now() - 10 }), good))).status).toBe(200);
      expect((await notes(craft(header, claims({ nbf: now() + 10 }), good))).status).toBe(200);
      // A kid is not needed and, when present, changes nothing: the key is the configured one.
      expect((await notes(craft({ ...header, kid: 'ignored' }, claims({}), good))).status).toBe(
        200,
      );
    });

    it('says "expired" for an expired token, so clients know to refresh', async () => {
      const response = await notes(
        craft(header, claims({ iat: now() - 700, exp: now() - 120 }), good),
      );
      expect(await response.json()).toMatchObject({ code: 'LATTICE_SECURITY_TOKEN_EXPIRED' });
    });
  });

  it('rotates refresh tokens, and a reused one ends the whole family', async () => {
    const { refreshToken: first } = await apiUser();
    const rotated = await post(`${url}/auth/refresh`, { refreshToken: first });
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { refreshToken: string; accessToken: string };
    expect(second.refreshToken).not.toBe(first);
    expect((await notes(second.accessToken)).status).toBe(200);

    const third = (
      (await (await post(`${url}/auth/refresh`, { refreshToken: second.refreshToken })).json()) as {
        refreshToken: string;
      }
    ).refreshToken;

    // The first token again: someone kept a copy.
    const reuse = await post(`${url}/auth/refresh`, { refreshToken: first });
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toMatchObject({ code: 'LATTICE_SECURITY_REFRESH_REUSED' });
    // The legitimate holder's latest token now fails too: the family is revoked.
    const latest = await post(`${url}/auth/refresh`, { refreshToken: third });
    expect(latest.status).toBe(401);
    expect(await latest.json()).toMatchObject({ code: 'LATTICE_SECURITY_REFRESH_INVALID' });
    const familyId = first.split('.')[0];
    const rows = await query(
      `SELECT revoked_reason, generation FROM lattice_refresh_tokens WHERE id = ?`,
      [familyId],
    );
    expect(rows[0]).toMatchObject({ revoked_reason: 'reuse', generation: 2 });
  });

  it('lets only one of two concurrent refreshes with the same token win, and revokes the family', async () => {
    const { refreshToken } = await apiUser();
    const results = await Promise.all([
      post(`${url}/auth/refresh`, { refreshToken }),
      post(`${url}/auth/refresh`, { refreshToken }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = (await results.find((r) => r.status === 200)!.json()) as {
      refreshToken: string;
    };
    expect((await post(`${url}/auth/refresh`, { refreshToken: winner.refreshToken })).status).toBe(
      401,
    );
  });

  it('refreshes from the cookie and sets the next cookie; logout revokes and clears it', async () => {
    const login = await post(`${url}/auth/register`, {
      username: `cookie-${randomUUID().slice(0, 8)}`,
      password: 'correct horse battery',
    });
    const refresh = cookieValue(login, '__Secure-lattice_refresh')!;
    const rotated = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: { cookie: `__Secure-lattice_refresh=${refresh}` },
    });
    expect(rotated.status).toBe(200);
    const next = cookieValue(rotated, '__Secure-lattice_refresh')!;
    expect(next).toBeTruthy();
    expect(next).not.toBe(refresh);
    expect(await rotated.json()).not.toHaveProperty('refreshToken');

    const logout = await fetch(`${url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: `__Secure-lattice_refresh=${next}` },
    });
    expect(logout.status).toBe(204);
    expect(
      cookiesOf(logout).some(
        (c) => c.startsWith('__Host-lattice_access=;') && c.includes('Max-Age=0'),
      ),
    ).toBe(true);
    expect(
      cookiesOf(logout).some(
        (c) => c.startsWith('__Secure-lattice_refresh=;') && c.includes('Max-Age=0'),
      ),
    ).toBe(true);
    const after = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: { cookie: `__Secure-lattice_refresh=${next}` },
    });
    expect(after.status).toBe(401);
  });

  it('locks an account after 3 failed logins, even for the right password, with Retry-After', async () => {
    const { username } = await apiUser();
    for (let i = 0; i < 3; i++)
      expect(
        (await post(`${url}/auth/login`, { username, password: `wrong-${i}-password` })).status,
      ).toBe(401);
    const locked = await post(`${url}/auth/login`, { username, password: 'correct horse battery' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await locked.json()).toMatchObject({ code: 'LATTICE_SECURITY_LOGIN_LOCKED' });
    // Another account is not affected.
    const other = await apiUser();
    expect(
      (
        await post(`${url}/auth/login`, {
          username: other.username,
          password: 'correct horse battery',
        })
      ).status,
    ).toBe(200);
  });

  /** Reads the tables through the app's own connection (SQLite or MariaDB). */
  function query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    return server.app.get(DataSource).query(sql, params);
  }
}

describe.each(['express', 'fastify'] as const)(
  'authentication on %s with SQLite and HS256',
  (platform) => suite(platform, 'sqlite', 'HS256'),
);

describeWith(['mysql'], 'authentication with MariaDB and RS256', () => {
  describe.each(['express', 'fastify'] as const)('on %s', (platform) =>
    suite(platform, 'mysql', 'RS256'),
  );
});
