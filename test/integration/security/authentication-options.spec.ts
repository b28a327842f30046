import type { SecurityUserStore, StoredUser } from '@lattice/security';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { pause } from '../../support/wait';
import { bootSecurityApp, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const sqlite = () =>
  `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-security-')), 'db.sqlite')}`;
const post = (url: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const PASSWORD = 'correct horse battery';

async function register(url: string, username = `u-${randomUUID().slice(0, 8)}`) {
  const response = await post(`${url}/auth/register`, {
    username,
    password: PASSWORD,
    delivery: 'bearer',
  });
  expect(response.status).toBe(201);
  return {
    username,
    ...((await response.json()) as {
      accessToken: string;
      refreshToken: string;
      user: { id: string };
    }),
  };
}

/** Accounts in a Map: what an app's own store looks like to the library. */
@Injectable()
class MapUserStore implements SecurityUserStore {
  static readonly users = new Map<string, StoredUser & { name?: string }>();
  async findByUsername(username: string) {
    return [...MapUserStore.users.values()].find((u) => u.username === username) ?? null;
  }
  async findById(id: string) {
    return MapUserStore.users.get(id) ?? null;
  }
  async create(user: Omit<StoredUser, 'id'>, profile: Record<string, unknown>) {
    if (await this.findByUsername(user.username)) return null;
    const name = typeof profile.name === 'string' ? profile.name.slice(0, 80) : undefined;
    const stored = { ...user, name, id: `map-${MapUserStore.users.size + 1}` };
    MapUserStore.users.set(stored.id, stored);
    return stored;
  }
  async updatePasswordHash(id: string, passwordHash: string) {
    MapUserStore.users.get(id)!.passwordHash = passwordHash;
  }
}

describe('authentication options', () => {
  const apps: SecurityApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map(({ app }) => app.close()));
  });
  const boot = async (...args: Parameters<typeof bootSecurityApp>) => {
    const app = await bootSecurityApp(...args);
    apps.push(app);
    return app;
  };

  it('with checkSessionOnEachRequest, logout ends the access token at once', async () => {
    const { url } = await boot(
      'express',
      { DATABASE_URL: sqlite(), JWT_SECRET: SECRET },
      {
        checkSessionOnEachRequest: true,
      },
    );
    const { accessToken } = await register(url);
    const headers = { authorization: `Bearer ${accessToken}` };
    expect((await fetch(`${url}/notes`, { headers })).status).toBe(200);
    expect((await fetch(`${url}/auth/logout`, { method: 'POST', headers })).status).toBe(204);
    const after = await fetch(`${url}/notes`, { headers });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'LATTICE_SECURITY_SESSION_REVOKED' });
  });

  it('without it, logout ends the access token at once too (the revoked sessions, no query), and its refresh token', async () => {
    const { url } = await boot('fastify', { DATABASE_URL: sqlite(), JWT_SECRET: SECRET }, {});
    const { accessToken, refreshToken } = await register(url);
    const headers = { authorization: `Bearer ${accessToken}` };
    expect((await fetch(`${url}/auth/logout`, { method: 'POST', headers })).status).toBe(204);
    const after = await fetch(`${url}/notes`, { headers });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'LATTICE_SECURITY_SESSION_REVOKED' });
    expect((await post(`${url}/auth/refresh`, { refreshToken })).status).toBe(401);
  });

  it('ends a session sessionLifetimeSeconds after login, however often it was refreshed', async () => {
    const { app, url } = await boot(
      'express',
      { DATABASE_URL: sqlite(), JWT_SECRET: SECRET },
      // 4 s: the first refresh must surely land inside the lifetime on a loaded machine.
      { refreshTtlSeconds: 3600, sessionLifetimeSeconds: 4 },
    );
    const { refreshToken } = await register(url);
    const rotated = await post(`${url}/auth/refresh`, { refreshToken });
    expect(rotated.status).toBe(200);
    const next = ((await rotated.json()) as { refreshToken: string }).refreshToken;
    // Rotation did not push the end past the login's lifetime (it would be an hour otherwise).
    const [family] = (await app
      .get(DataSource)
      .query('SELECT expires_at, created_at FROM lattice_refresh_tokens')) as Array<{
      expires_at: string;
      created_at: string;
    }>;
    const lifetimeMs = Date.parse(`${family.expires_at}Z`) - Date.parse(`${family.created_at}Z`);
    expect(lifetimeMs).toBeLessThanOrEqual(4000);
    // A floor, not a guess: until the recorded end (plus a second for its whole-second precision).
    await pause(Date.parse(`${family.expires_at}Z`) + 1000 - Date.now());
    const late = await post(`${url}/auth/refresh`, { refreshToken: next });
    expect(late.status).toBe(401);
  });

  it('by default the audience is the app’s name, so apps sharing a secret refuse each other’s tokens', async () => {
    const env = { DATABASE_URL: sqlite(), JWT_SECRET: SECRET };
    const forum = await boot('express', env, {}, {}, { app: { name: 'Lattice Forum' } });
    const shop = await boot('express', env, {}, {}, { app: { name: 'Shop' } });
    const { accessToken } = await register(forum.url);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as {
      aud: string;
    };
    expect(claims.aud).toBe('lattice-forum');
    const headers = { authorization: `Bearer ${accessToken}` };
    expect((await fetch(`${forum.url}/notes`, { headers })).status).toBe(200);
    expect((await fetch(`${shop.url}/notes`, { headers })).status).toBe(401);
  });

  it('keeps accounts in the app’s own store (the SECURITY_USER_STORE hook)', async () => {
    const { url } = await boot(
      'fastify',
      { DATABASE_URL: sqlite(), JWT_SECRET: SECRET },
      {},
      {
        userStore: MapUserStore,
      },
    );
    const { username, user, refreshToken } = await register(url);
    expect(user.id).toMatch(/^map-\d+$/);
    expect(MapUserStore.users.get(user.id)?.passwordHash).toMatch(/^\$argon2id\$/);
    // The registration body's profile reaches the store, which validates it.
    const profiled = await post(`${url}/auth/register`, {
      username: `p-${randomUUID().slice(0, 8)}`,
      password: PASSWORD,
      delivery: 'bearer',
      profile: { name: 'Ada Lovelace', roles: ['admin'] },
    });
    const { user: created } = (await profiled.json()) as { user: { id: string; roles: string[] } };
    expect(created.roles).toEqual(['member']);
    expect(MapUserStore.users.get(created.id)).toMatchObject({
      name: 'Ada Lovelace',
      roles: ['member'],
    });
    expect((await post(`${url}/auth/login`, { username, password: PASSWORD })).status).toBe(200);
    expect((await post(`${url}/auth/refresh`, { refreshToken })).status).toBe(200);
  });

  it('rehashes a password made with older argon2 parameters at the next login', async () => {
    const env = { DATABASE_URL: sqlite(), JWT_SECRET: SECRET };
    const cheap = await boot(
      'express',
      env,
      { passwords: { memoryCost: 8192, timeCost: 1 } },
      {
        userStore: MapUserStore,
      },
    );
    const { username, user } = await register(cheap.url);
    expect(MapUserStore.users.get(user.id)!.passwordHash).toContain('$m=8192,t=1,p=1$');
    const current = await boot('express', env, {}, { userStore: MapUserStore });
    expect((await post(`${current.url}/auth/login`, { username, password: PASSWORD })).status).toBe(
      200,
    );
    expect(MapUserStore.users.get(user.id)!.passwordHash).toContain('$m=19456,t=2,p=1$');
  });
});

describeWith(['redis'], 'login lockout in Redis, shared by every node', () => {
  const apps: SecurityApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map(({ app }) => app.close()));
  });

  it('locks an address on node B after failures on node A, and the lock ends with the window', async () => {
    const env = {
      DATABASE_URL: sqlite(),
      JWT_SECRET: SECRET,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('security'),
    };
    const options = {
      // 4 s: four password checks (Argon2) must surely fit in the window on a loaded machine.
      loginThrottle: { maxAttemptsPerAccount: 10, maxAttemptsPerIp: 3, windowSeconds: 4 },
    };
    const a = await bootSecurityApp('express', env, options);
    apps.push(a);
    const b = await bootSecurityApp('fastify', env, options);
    apps.push(b);
    const { username } = await register(a.url);
    for (let i = 0; i < 3; i++)
      expect(
        (await post(`${a.url}/auth/login`, { username: `guess-${i}`, password: 'guessing1' }))
          .status,
      ).toBe(401);
    const locked = await post(`${b.url}/auth/login`, { username, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({
      message: expect.stringContaining('from this address'),
    });
    await pause(4100); // a floor: the window has surely ended since the last attempt
    expect((await post(`${b.url}/auth/login`, { username, password: PASSWORD })).status).toBe(200);
  });
});
