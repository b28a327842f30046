import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { QueueManager } from '@lattice/queue';
import { describeWith } from '../support/describe-with';
import { TEST_REDIS_URL } from '../support/services';
import { uniqueRedisPrefix } from '../support/test-resources';
import { api, json } from '../support/http';

/**
 * Every route the Forum exposes, found by walking the HTTP server (Nest's controllers and what
 * middleware mounted beside them, bull-board's API included), is probed as a visitor and as a
 * member; every state-changing one is probed with the admin's cookie from another site
 * (decision 0029). A new route fails here until it is declared below or refuses them.
 */

interface Route {
  method: string;
  path: string;
}

/** Routes anyone may use (the Forum's pages and read API, the scripts, sign-up and login). */
const PUBLIC = [
  'GET /',
  'GET /ask',
  'GET /login',
  'GET /signup',
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  // The account page asks visitors to log in.
  'GET /account',
  'GET /assets/:file',
  'GET /lattice/:file',
  'GET /lattice/events/:file',
  'GET /questions',
  'GET /questions/popular',
  'GET /questions/:id',
  'GET /questions/:id/activity',
  'GET /q/:id',
  'GET /tags',
  'GET /demo/counter',
  'GET /demo/list',
  'GET /demo/question/:id',
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
];
/** Routes any logged-in member may use. Everything else is for admins only. */
const MEMBERS = [
  'GET /auth/me',
  'POST /auth/logout-all',
  'POST /questions',
  'POST /questions/:id/answers',
  'POST /questions/:id/votes',
  'DELETE /questions/:id/answers/:answerId',
];
/**
 * Routes for moderators (and admins): refused to members like every route not declared above;
 * listed so that they are known to exist (decision 0037).
 */
const MODERATORS = [
  'GET /moderation',
  'GET /moderation/queue',
  'POST /moderation/:kind/:id/approve',
  'POST /moderation/:kind/:id/reject',
];

/** A value for each route parameter, so the probe reaches the handler. */
const PARAMS: Record<string, string> = {
  id: '1',
  answerId: '1',
  file: 'x.js',
  streamId: 'question:1',
  queueName: 'notifications',
  jobId: '1',
  queueStatus: 'completed',
  schedulerId: 'x',
  kind: 'question',
};
const fill = (path: string) =>
  path.replace(/\/:(\w+)/g, (_, name: string) => `/${PARAMS[name] ?? 'x'}`).replace(/\*$/, 'x');
const key = (route: Route) => `${route.method} ${route.path}`;

/**
 * Fastify's route tree (`printRoutes`) lists every route, those of plugins too (bull-board
 * registers its API as one): one line per node, four columns of indentation per level.
 */
function fastifyRoutes(app: INestApplication): Route[] {
  const fastify = app.getHttpAdapter().getInstance() as { printRoutes(options: object): string };
  const tree = fastify.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = [...match[1]].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join('').replace(/\/{2,}/g, '/');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean))
      if (method !== 'HEAD') routes.push({ method, path });
  }
  return routes;
}

/** Express's stack: Nest's routes, and the paths where middleware is mounted (bull-board). */
function expressStack(app: INestApplication): { routes: Route[]; mounts: string[] } {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  const stack = express.router.stack;
  const routes = stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => ({
          method: method.toUpperCase(),
          path: layer.route!.path,
        }))
      : [],
  );
  const mounts = stack
    .filter((layer) => !layer.route && layer.rawPath && !['/', '/{*path}'].includes(layer.rawPath))
    .map((layer) => layer.rawPath!);
  return { routes, mounts };
}

interface ExpressLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
}

/** Name=value pairs of Set-Cookie headers, merged into `into`. */
function keepCookies(response: Response, into: Record<string, string>): void {
  for (const cookie of response.headers.getSetCookie()) {
    const pair = cookie.split(';')[0];
    const at = pair.indexOf('=');
    into[pair.slice(0, at)] = pair.slice(at + 1);
  }
}

/** A browser logged in with cookies, and the CSRF token its pages carry. */
interface Browser {
  cookies: Record<string, string>;
  token: string;
}

/** Signs up (a member), optionally made an admin, then logs in with cookies like a browser. */
async function signIn(
  app: INestApplication,
  url: string,
  role: 'member' | 'admin',
): Promise<Browser> {
  const username = `${role}-${Math.random().toString(36).slice(2, 10)}@routes.example`;
  const password = 'correct horse battery';
  const registered = await api(url).post('/auth/register', {
    username,
    password,
    profile: { name: `A ${role}` },
    delivery: 'bearer',
  });
  expect(registered.status).toBe(201);
  const { user } = await json(registered);
  if (role === 'admin')
    await app.get(DataSource).query('UPDATE users SET role = ? WHERE id = ?', ['admin', user.id]);
  const cookies: Record<string, string> = {};
  const login = await api(url).post('/auth/login', { username, password });
  expect(login.status).toBe(200);
  keepCookies(login, cookies);
  const page = await fetch(`${url}/`, { headers: { cookie: cookieHeader(cookies) } });
  keepCookies(page, cookies);
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1];
  expect(token).toBeDefined();
  return { cookies, token: token! };
}

const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

function probe(
  url: string,
  route: Route,
  as?: Browser,
  headers: Record<string, string> = {},
): Promise<Response> {
  const changes = route.method !== 'GET';
  return fetch(`${url}${fill(route.path)}`, {
    method: route.method,
    redirect: 'manual',
    headers: {
      ...(changes ? { 'content-type': 'application/json' } : {}),
      ...(as ? { cookie: cookieHeader(as.cookies) } : {}),
      ...headers,
    },
    body: changes ? '{}' : undefined,
  });
}

describe('every route of the Forum is declared public, for members, or refused', () => {
  let routes: Route[];

  // One app at a time: two Forum apps in one process share their database (see decision 0029).
  beforeAll(async () => {
    const fastify = await startForum('fastify', { DATABASE_URL: tempSqliteUrl() });
    try {
      routes = fastifyRoutes(fastify.app);
    } finally {
      await fastify.app.close();
    }
  });

  it('lists every route of Fastify’s tree, the mounted dashboard’s API included', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.map(key)).toEqual(
      expect.arrayContaining([
        'PUT /admin/queues/api/queues/:queueName/pause',
        'GET /lattice/state/:streamId',
      ]),
    );
    // The lists above name only routes that exist.
    for (const declared of [...PUBLIC, ...MEMBERS, ...MODERATORS])
      expect(routes.map(key)).toContain(declared);
  });

  describe.each(['express', 'fastify'] as const)('on %s', (platform) => {
    let app: INestApplication;
    let url: string;
    let member: Browser;
    let admin: Browser;

    const browser = (role: 'member' | 'admin') => signIn(app, url, role);
    const send = (route: Route, as?: Browser, headers?: Record<string, string>) =>
      probe(url, route, as, headers);

    beforeAll(async () => {
      ({ app, url } = await startForum(platform, { DATABASE_URL: tempSqliteUrl() }));
      member = await browser('member');
      admin = await browser('admin');
    });
    afterAll(() => app?.close());

    if (platform === 'express')
      it('finds on Express the routes Fastify lists, and what it mounts as middleware under them', () => {
        const { routes: nest, mounts } = expressStack(app);
        expect(routes.map(key)).toEqual(expect.arrayContaining(nest.map(key)));
        expect(mounts).toContain('/admin/queues');
        for (const mount of mounts)
          expect({ mount, listed: routes.some((r) => r.path.startsWith(`${mount}/`)) }).toEqual({
            mount,
            listed: true,
          });
      });

    it('refuses visitors every route not declared public', async () => {
      const answered: string[] = [];
      for (const route of routes.filter((r) => !PUBLIC.includes(key(r)))) {
        const response = await send(route);
        if (response.status < 400) answered.push(`${key(route)} → ${response.status}`);
      }
      expect(answered).toEqual([]);
    });

    it('refuses members every route not declared public or for members', async () => {
      const answered: string[] = [];
      for (const route of routes.filter((r) => ![...PUBLIC, ...MEMBERS].includes(key(r)))) {
        // Same-origin with the token: only who the member is may decide the answer.
        const response = await send(route, member, {
          'sec-fetch-site': 'same-origin',
          'x-csrf-token': member.token,
        });
        if (response.status < 400) answered.push(`${key(route)} → ${response.status}`);
      }
      expect(answered).toEqual([]);
      // The probes can pass: an admin gets the inspector and the board's API.
      for (const path of ['/lattice/state/question:1', '/admin/queues/api/queues'])
        expect({ path, status: (await send({ method: 'GET', path }, admin)).status }).toEqual({
          path,
          status: 200,
        });
    });

    it.each([
      ['a foreign Origin', { origin: 'http://evil.example' }, true],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, true],
      ['no CSRF token', { 'sec-fetch-site': 'same-origin' }, false],
    ])(
      'refuses every state-changing route with the admin’s cookie and %s (403)',
      async (_, headers: Record<string, string>, withToken: boolean) => {
        const changing = routes.filter((route) => route.method !== 'GET');
        expect(changing.map(key)).toContain('PUT /admin/queues/api/queues/:queueName/pause');
        const passed: string[] = [];
        for (const route of changing) {
          const token: Record<string, string> = withToken ? { 'x-csrf-token': admin.token } : {};
          const response = await send(route, admin, { ...token, ...headers });
          const body = (await response.json().catch(() => ({}))) as { code?: string };
          if (response.status !== 403 || body.code !== 'LATTICE_SECURITY_CSRF')
            passed.push(`${key(route)} → ${response.status} ${JSON.stringify(body)}`);
        }
        expect(passed).toEqual([]);
      },
    );

    it('lets the admin’s own dashboard act: its page hands axios the token as XSRF-TOKEN', async () => {
      const page = await send({ method: 'GET', path: '/admin/queues' }, admin);
      expect(page.status).toBe(200);
      const cookies = { ...admin.cookies };
      keepCookies(page, cookies);
      expect(cookies['XSRF-TOKEN']).toBeDefined();
      const pause = await send(
        { method: 'PUT', path: '/admin/queues/api/queues/:queueName/pause' },
        { cookies, token: '' },
        {
          'sec-fetch-site': 'same-origin',
          'x-xsrf-token': decodeURIComponent(cookies['XSRF-TOKEN']),
        },
      );
      expect(pause.status).not.toBe(403);
    });
  });
});

// The issue's own case: Redis configured, so bull-board drives BullMQ and can really pause a queue.
describeWith(['redis'], 'the queue dashboard on BullMQ refuses a cross-site pause', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('routes'),
    }));
  });
  afterAll(() => app?.close());

  it('answers 403 to the admin’s cookie from evil.example, and pauses for the dashboard’s own page', async () => {
    const admin = await signIn(app, url, 'admin');
    const pause = { method: 'PUT', path: '/admin/queues/api/queues/:queueName/pause' };
    const forged = await probe(url, pause, admin, {
      origin: 'http://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(forged.status).toBe(403);
    // BullMQ's own Queue, as bull-board sees it.
    const driver = app.get(QueueManager).driver as unknown as {
      queue(name: string): { isPaused(): Promise<boolean> };
    };
    const paused = () => driver.queue('notifications').isPaused();
    expect(await paused()).toBe(false);
    // The board's page hands axios the token; its own request goes through.
    const page = await probe(url, { method: 'GET', path: '/admin/queues' }, admin);
    const cookies = { ...admin.cookies };
    keepCookies(page, cookies);
    const own = await probe(
      url,
      pause,
      { cookies, token: '' },
      {
        'sec-fetch-site': 'same-origin',
        'x-xsrf-token': decodeURIComponent(cookies['XSRF-TOKEN']),
      },
    );
    expect(own.status).toBe(200);
    expect(await paused()).toBe(true);
  });
});
