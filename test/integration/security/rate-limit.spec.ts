import { Public, Throttle, type RateLimitOptions } from '@lattice/security';
import { Controller, Get } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { pause } from '../../support/wait';
import { bootSecurityApp, type Platform, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const sqlite = () =>
  `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-throttle-')), 'db.sqlite')}`;

@Controller('limited')
class LimitedController {
  @Public() @Get('a') a() {
    return 'a';
  }
  @Public() @Get('b') b() {
    return 'b';
  }
  @Public() @Throttle({ ip: { limit: 2, ttl: 60_000 } }) @Get('strict') strict() {
    return 'strict';
  }
  /** Needs a token: counted per user. */
  @Get('mine') mine() {
    return 'mine';
  }
}

/** Fires `count` requests at once and tallies the statuses. */
async function burst(url: string, count: number, headers: Record<string, string> = {}) {
  const responses = await Promise.all(Array.from({ length: count }, () => fetch(url, { headers })));
  const statuses: Record<number, number> = {};
  for (const response of responses)
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  return { statuses, responses };
}

async function register(url: string, username: string): Promise<string> {
  const response = await fetch(`${url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery', delivery: 'bearer' }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

const boot = (platform: Platform, rateLimit: RateLimitOptions, env: Record<string, string> = {}) =>
  bootSecurityApp(
    platform,
    { DATABASE_URL: sqlite(), JWT_SECRET: SECRET, ...env },
    { rateLimit, passwords: { memoryCost: 1024, timeCost: 1 } },
    {},
    { controllers: [LimitedController] },
  );

describe.each<Platform>(['express', 'fastify'])('HTTP rate limits on %s (memory)', (platform) => {
  let server: SecurityApp;
  afterEach(() => server?.app.close());

  it('lets exactly the limit through a burst per route and address, then 429 with Retry-After', async () => {
    server = await boot(platform, {
      store: 'memory',
      rules: [{ name: 'ip', by: 'ip', limit: 5, ttlMs: 30_000 }],
    });
    const first = await burst(`${server.url}/limited/a`, 12);
    expect(first.statuses).toEqual({ 200: 5, 429: 7 });
    const refused = first.responses.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after-ip'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after-ip'))).toBeLessThanOrEqual(30);
    // Each route counts on its own; a @Throttle override tightens one route.
    expect((await burst(`${server.url}/limited/b`, 7)).statuses).toEqual({ 200: 5, 429: 2 });
    expect((await burst(`${server.url}/limited/strict`, 5)).statuses).toEqual({ 200: 2, 429: 3 });
  });

  it('counts per user: one user over the limit does not stop another, and the default is off', async () => {
    server = await boot(platform, {
      store: 'memory',
      rules: [{ name: 'user', by: 'user', limit: 3, ttlMs: 30_000 }],
    });
    const ada = await register(server.url, 'ada');
    const grace = await register(server.url, 'grace');
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await burst(`${server.url}/limited/mine`, 6, auth(ada))).statuses).toEqual({
      200: 3,
      429: 3,
    });
    expect((await burst(`${server.url}/limited/mine`, 3, auth(grace))).statuses).toEqual({
      200: 3,
    });
    // Anonymous requests are not counted by a user rule.
    expect((await burst(`${server.url}/limited/a`, 10)).statuses).toEqual({ 200: 10 });
    await server.app.close();

    server = await bootSecurityApp(
      platform,
      { DATABASE_URL: sqlite(), JWT_SECRET: SECRET },
      {},
      {},
      { controllers: [LimitedController] },
    );
    expect((await burst(`${server.url}/limited/strict`, 6)).statuses).toEqual({ 200: 6 });
  });
});

describeWith(['redis'], 'HTTP rate limits in Redis', () => {
  const apps: SecurityApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((server) => server.app.close()));
  });

  it.each<Platform>(['express', 'fastify'])(
    'share one count between two %s instances',
    async (platform) => {
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('throttle') };
      const rules = [{ name: 'ip', by: 'ip' as const, limit: 6, ttlMs: 30_000 }];
      // No `store`: REDIS_URL selects Redis.
      apps.push(await boot(platform, { rules }, env), await boot(platform, { rules }, env));
      const [one, two] = apps;
      const results = await Promise.all([
        burst(`${one.url}/limited/a`, 8),
        burst(`${two.url}/limited/a`, 8),
      ]);
      const ok = results.reduce((sum, r) => sum + (r.statuses[200] ?? 0), 0);
      const refused = results.reduce((sum, r) => sum + (r.statuses[429] ?? 0), 0);
      expect({ ok, refused }).toEqual({ ok: 6, refused: 10 });
      // Blocked on both until the window ends.
      expect((await burst(`${one.url}/limited/a`, 1)).statuses).toEqual({ 429: 1 });
      expect((await burst(`${two.url}/limited/a`, 1)).statuses).toEqual({ 429: 1 });
    },
  );

  it('starts a new window after the block ends', async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('throttle') };
    // 2 s: a burst surely fits in one window on a loaded machine (700 ms did not always).
    const ttlMs = 2000;
    apps.push(await boot('express', { rules: [{ name: 'ip', by: 'ip', limit: 2, ttlMs }] }, env));
    expect((await burst(`${apps[0].url}/limited/a`, 4)).statuses).toEqual({ 200: 2, 429: 2 });
    await pause(ttlMs + 200); // a floor: every hit of the burst is older than the window now
    expect((await burst(`${apps[0].url}/limited/a`, 3)).statuses).toEqual({ 200: 2, 429: 1 });
  });
});
