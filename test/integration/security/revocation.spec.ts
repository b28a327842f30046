import { SessionRevocations } from '@lattice/security';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../../support/test-resources';
import { bootRevocationNode, REVOCATION_SECRET } from './fixtures/revocation-app';
import type { SecurityApp } from './fixtures/security-app';

const PASSWORD = 'correct horse battery';
const sqlite = () =>
  `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-revocation-')), 'db.sqlite')}`;

interface Tokens {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
}

const post = (url: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function register(url: string, username = `u-${randomUUID().slice(0, 8)}`) {
  const response = await post(`${url}/auth/register`, {
    username,
    password: PASSWORD,
    delivery: 'bearer',
  });
  expect(response.status).toBe(201);
  return { username, ...((await response.json()) as Tokens) };
}

async function login(url: string, username: string): Promise<Tokens> {
  const response = await post(`${url}/auth/login`, {
    username,
    password: PASSWORD,
    delivery: 'bearer',
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Tokens;
}

/** `/auth/me` with a bearer token: the status and the error code, if any. */
async function me(url: string, token: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${url}/auth/me`, { headers: bearer(token) });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, code: response.status === 200 ? undefined : body.code };
}

/** A raw connection; `next` waits for a frame, `closed` for the close (never for time). */
function socket(url: string, headers: Record<string, string>) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket`, { headers });
  const frames: unknown[][] = [];
  const waiting = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as unknown[]);
    for (const check of [...waiting]) check();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (match: (frame: unknown[]) => boolean) =>
    new Promise<unknown[]>((resolve, reject) => {
      const check = () => {
        const frame = frames.find(match);
        if (!frame) return;
        waiting.delete(check);
        resolve(frame);
      };
      waiting.add(check);
      check();
      void closed.then((c) => reject(new Error(`closed ${c.code} ${c.reason} before the frame`)));
    });
  const welcomed = () => next((f) => f[0] === 'sys' && f[1] === 'welcome');
  /** Joins `user:<id>` and resolves with the reply's status. */
  const join = async (id: string, ref = randomUUID()) => {
    await opened;
    ws.send(JSON.stringify([`user:${id}`, 'join', {}, ref]));
    const reply = await next((f) => f[1] === 'reply' && f[3] === ref);
    return (reply[2] as { status: string }).status;
  };
  return { ws, frames, opened, closed, welcomed, join };
}

/** A user with a session and an open socket that joined their channel. */
async function connected(url: string) {
  const account = await register(url);
  const open = socket(url, bearer(account.accessToken));
  await open.welcomed();
  expect(await open.join(account.user.id)).toBe('ok');
  return { ...account, socket: open };
}

/** Gives `userId` the admin role (in the default `lattice_users` table) and logs them in again. */
async function makeAdmin(app: SecurityApp, username: string, id: string): Promise<Tokens> {
  await app.app
    .get(DataSource)
    .query('UPDATE lattice_users SET roles = ? WHERE id = ?', [
      JSON.stringify(['admin']),
      Number(id),
    ]);
  return login(app.url, username);
}

const REVOKED = { status: 401, code: 'LATTICE_SECURITY_SESSION_REVOKED' };
const CLOSED = { code: 4401, reason: 'session ended: log in again' };

describe('session revocation on one node (SQLite, no Redis)', () => {
  let node: SecurityApp;
  beforeAll(async () => {
    node = await bootRevocationNode({ DATABASE_URL: sqlite() });
  });
  afterAll(() => node?.app.close());

  it('logout ends the access token (bearer and cookie), closes its socket with 4401 and refuses a new one', async () => {
    const ada = await connected(node.url);
    expect(await me(node.url, ada.accessToken)).toEqual({ status: 200 });
    const out = await post(
      `${node.url}/auth/logout`,
      { refreshToken: ada.refreshToken },
      bearer(ada.accessToken),
    );
    expect(out.status).toBe(204);
    expect(await me(node.url, ada.accessToken)).toEqual(REVOKED);
    expect(await ada.socket.closed).toEqual(CLOSED);
    const again = socket(node.url, bearer(ada.accessToken));
    expect(await again.closed).toMatchObject({ code: 4401 });
    expect(again.frames).toEqual([]); // never welcomed

    // The same with page cookies: the access cookie of a logged-out session opens nothing.
    const register = await post(`${node.url}/auth/register`, {
      username: `c-${randomUUID().slice(0, 8)}`,
      password: PASSWORD,
    });
    const jar = register.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const withCookie = () => fetch(`${node.url}/auth/me`, { headers: { cookie: jar } });
    expect((await withCookie()).status).toBe(200);
    const page = socket(node.url, { cookie: jar });
    await page.welcomed();
    // Logged out with the refresh cookie alone (a page sends the CSRF token with both cookies).
    const refreshCookie = jar.split('; ').find((pair) => pair.includes('lattice_refresh='))!;
    expect((await post(`${node.url}/auth/logout`, {}, { cookie: refreshCookie })).status).toBe(204);
    const refused = await withCookie();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'LATTICE_SECURITY_SESSION_REVOKED' });
    expect(await page.closed).toEqual(CLOSED);
  });

  it('a reused refresh token ends the session: its current access token and socket too', async () => {
    const grace = await connected(node.url);
    const refreshed = await post(`${node.url}/auth/refresh`, { refreshToken: grace.refreshToken });
    expect(refreshed.status).toBe(200);
    const current = (await refreshed.json()) as Tokens;
    expect(await me(node.url, current.accessToken)).toEqual({ status: 200 });

    const reused = await post(`${node.url}/auth/refresh`, { refreshToken: grace.refreshToken });
    expect(reused.status).toBe(401);
    expect(await me(node.url, current.accessToken)).toEqual(REVOKED);
    expect(await me(node.url, grace.accessToken)).toEqual(REVOKED);
    expect(await grace.socket.closed).toEqual(CLOSED);
  });

  it('"log out everywhere" ends every session of the user and no one else\'s', async () => {
    const linus = await connected(node.url);
    const laptop = await login(node.url, linus.username);
    const other = await connected(node.url);
    const response = await post(`${node.url}/auth/logout-all`, {}, bearer(laptop.accessToken));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sessions: 2 });
    expect(await me(node.url, linus.accessToken)).toEqual(REVOKED);
    expect(await me(node.url, laptop.accessToken)).toEqual(REVOKED);
    expect(await linus.socket.closed).toEqual(CLOSED);
    expect(await me(node.url, other.accessToken)).toEqual({ status: 200 });
    expect(await other.socket.join(other.user.id)).toBe('ok');
    other.socket.ws.close();
    // Unauthenticated: 401, as for any protected route.
    expect((await post(`${node.url}/auth/logout-all`)).status).toBe(401);
  });

  it("an admin ends a user's sessions; a member may not; an unknown user is a 404", async () => {
    const victim = await connected(node.url);
    const member = await register(node.url);
    const boss = await register(node.url);
    const admin = await makeAdmin(node, boss.username, boss.user.id);
    const endPath = (id: string) => `${node.url}/auth/users/${id}/logout-all`;

    const denied = await post(endPath(victim.user.id), {}, bearer(member.accessToken));
    expect(denied.status).toBe(403);
    expect(await me(node.url, victim.accessToken)).toEqual({ status: 200 });

    const missing = await post(endPath('424242'), {}, bearer(admin.accessToken));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toMatch(
      /No user with id "424242"/,
    );

    const ended = await post(endPath(victim.user.id), {}, bearer(admin.accessToken));
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ sessions: 1 });
    expect(await me(node.url, victim.accessToken)).toEqual(REVOKED);
    expect(await victim.socket.closed).toEqual(CLOSED);
    // The refresh token of the ended session is dead as well.
    const refresh = await post(`${node.url}/auth/refresh`, { refreshToken: victim.refreshToken });
    expect(refresh.status).toBe(401);
  });

  it('a frame on a socket whose session was ended is not handled', async () => {
    const mia = await connected(node.url);
    const revocations = node.app.get(SessionRevocations);
    // Ended without the announcement that closes sockets (as a node that read the Redis set):
    // the next frame is refused before any handler runs.
    (revocations as unknown as { revoked: Map<string, number> }).revoked.set(
      JSON.parse(Buffer.from(mia.accessToken.split('.')[1], 'base64url').toString()).sid,
      Date.now() + 60_000,
    );
    mia.socket.ws.send(JSON.stringify([`user:${mia.user.id}`, 'say', { hi: 1 }, 'r1']));
    expect(await mia.socket.closed).toEqual(CLOSED);
    expect(mia.socket.frames.some((f) => f[3] === 'r1')).toBe(false);
  });

  it('refuses an upgrade from a foreign Origin with 403; a bad token still gets 4401', async () => {
    const zoe = await register(node.url);
    const foreign = socket(node.url, {
      ...bearer(zoe.accessToken),
      origin: 'https://evil.example',
    });
    await expect(foreign.opened).rejects.toThrow(/Unexpected server response: 403/);
    const host = new URL(node.url).host;
    const own = socket(node.url, { ...bearer(zoe.accessToken), origin: `http://${host}` });
    await own.welcomed();
    own.ws.close();
    const forged = socket(node.url, bearer(`${zoe.accessToken}x`));
    expect(await forged.closed).toMatchObject({ code: 4401 });
  });
});

describeWith(
  ['mysql', 'redis'],
  'session revocation across two processes (MariaDB + Redis)',
  () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    let nodeA: SecurityApp;
    let nodeB: TsProcess;
    let urlB: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      env = {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('revocation'),
      };
      nodeA = await bootRevocationNode(env); // creates the tables before B starts
      nodeB = new TsProcess('test/integration/security/fixtures/revocation-node.ts', {
        ...env,
        LOG_LEVEL: 'error',
      });
      [, urlB] = await nodeB.waitFor(/listening (\S+)/, 30_000);
    }, 60_000);
    afterAll(async () => {
      await nodeB?.stop();
      await nodeA?.app.close();
      await database?.drop();
    });

    /** A user logged in on node A, with a socket on node B that joined their channel. */
    async function onBothNodes() {
      const account = await register(nodeA.url);
      expect(await me(urlB, account.accessToken)).toEqual({ status: 200 });
      const open = socket(urlB, bearer(account.accessToken));
      await open.welcomed();
      expect(await open.join(account.user.id)).toBe('ok');
      return { ...account, socket: open };
    }

    it('logout on node A: node B answers 401 to the next request and closes the socket with 4401', async () => {
      const ada = await onBothNodes();
      const out = await post(
        `${nodeA.url}/auth/logout`,
        { refreshToken: ada.refreshToken },
        bearer(ada.accessToken),
      );
      expect(out.status).toBe(204);
      expect(await me(urlB, ada.accessToken)).toEqual(REVOKED);
      expect(await ada.socket.closed).toEqual(CLOSED);
      const again = socket(urlB, bearer(ada.accessToken));
      expect(await again.closed).toMatchObject({ code: 4401 });
    });

    it('a reused refresh token on node A ends the session on node B', async () => {
      const grace = await onBothNodes();
      const first = await post(`${nodeA.url}/auth/refresh`, { refreshToken: grace.refreshToken });
      const current = (await first.json()) as Tokens;
      expect(await me(urlB, current.accessToken)).toEqual({ status: 200 });
      expect(
        (await post(`${nodeA.url}/auth/refresh`, { refreshToken: grace.refreshToken })).status,
      ).toBe(401);
      expect(await me(urlB, current.accessToken)).toEqual(REVOKED);
      expect(await grace.socket.closed).toEqual(CLOSED);
    });

    it("an admin on node A ends a user's sessions on node B; a node started later knows it too", async () => {
      const victim = await onBothNodes();
      const boss = await register(nodeA.url);
      const admin = await makeAdmin(nodeA, boss.username, boss.user.id);
      const ended = await post(
        `${nodeA.url}/auth/users/${victim.user.id}/logout-all`,
        {},
        bearer(admin.accessToken),
      );
      expect(await ended.json()).toEqual({ sessions: 1 });
      expect(await me(urlB, victim.accessToken)).toEqual(REVOKED);
      expect(await victim.socket.closed).toEqual(CLOSED);
      // A node that boots after the revocation reads it from the Redis set.
      const nodeC = await bootRevocationNode(env);
      try {
        expect(await me(nodeC.url, victim.accessToken)).toEqual(REVOKED);
        expect(await me(nodeC.url, admin.accessToken)).toEqual({ status: 200 });
      } finally {
        await nodeC.app.close();
      }
    });

    it('`lattice sessions:end <id>` from the command line ends them on the running nodes', async () => {
      const victim = await onBothNodes();
      const cli = (id: string) =>
        new TsProcess(
          'test/integration/security/fixtures/security-cli.ts',
          { ...env, LOG_LEVEL: 'error', JWT_SECRET: REVOCATION_SECRET },
          ['sessions:end', id],
        );
      const ended = cli(victim.user.id);
      expect(await ended.exited).toEqual({ code: 0, signal: null });
      expect(ended.output.stdout).toContain(`Ended 1 session of user ${victim.user.id}.`);
      expect(await victim.socket.closed).toEqual(CLOSED);
      expect(await me(urlB, victim.accessToken)).toEqual(REVOKED);
      expect(await me(nodeA.url, victim.accessToken)).toEqual(REVOKED);

      const unknown = cli('424242');
      expect((await unknown.exited).code).toBe(1);
      expect(unknown.output.stderr + unknown.output.stdout).toContain('No user with id "424242"');
    }, 60_000);
  },
);
