import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS } from '../../support/wait';
import type { Platform } from './fixtures/sessions-app';

/** A node in its own process; resolves with its URL. */
async function startNode(platform: Platform, env: Record<string, string>) {
  const node = new TsProcess('test/integration/cluster/fixtures/sessions-node.ts', {
    ...env,
    PLATFORM: platform,
    LOG_LEVEL: 'error',
  });
  const [, url] = await node.waitFor(/listening (\S+)/, PROCESS_START_MS);
  return { node, url };
}

/** `name=value` of the session cookie a response set (or the one given). */
function sessionCookie(response: Response, current = ''): string {
  const line = response.headers.getSetCookie().find((c) => c.startsWith('lattice.sid='));
  return line ? line.split(';')[0] : current;
}

const call = (url: string, path: string, cookie = '', body?: unknown) =>
  fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000), // a hang fails the test instead of stalling it
  });

describeWith(['redis'], 'sessions across nodes (connect-redis on core Redis)', () => {
  describe.each<Platform>(['express', 'fastify'])('on %s, two processes', (platform) => {
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('sessions') };
    const nodes: TsProcess[] = [];
    let urlA: string;
    let urlB: string;
    beforeAll(async () => {
      const [a, b] = await Promise.all([startNode(platform, env), startNode(platform, env)]);
      nodes.push(a.node, b.node);
      [urlA, urlB] = [a.url, b.url];
    }, PROCESS_TEST_MS);
    afterAll(async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    });

    it('a session set on node A is read on node B; destroyed on B, it is gone on A', async () => {
      const login = await call(urlA, '/login', '', { name: 'ada' });
      expect(login.status).toBe(200);
      const cookie = sessionCookie(login);
      expect(cookie).toMatch(/^lattice\.sid=.+/);
      expect(await (await call(urlB, '/me', cookie)).json()).toEqual({ user: 'ada' });
      // Another visitor has no session.
      expect(await (await call(urlB, '/me')).json()).toEqual({ user: null });

      expect((await call(urlB, '/logout', cookie, {})).status).toBe(200);
      expect(await (await call(urlA, '/me', cookie)).json()).toEqual({ user: null });
    });

    it(
      'with Redis unreachable, a request for the session answers 503 naming Redis at once, not a hang',
      async () => {
        const proxy = await TcpProxy.start('127.0.0.1', 6379);
        const { node, url } = await startNode(platform, {
          ...env,
          REDIS_URL: `redis://${proxy.address}`,
        });
        try {
          const login = await call(url, '/login', '', { name: 'grace' });
          expect(login.status).toBe(200);
          const cookie = sessionCookie(login);
          expect(await (await call(url, '/me', cookie)).json()).toEqual({ user: 'grace' });
          proxy.setMode('refuse');
          const response = await call(url, '/me', cookie);
          expect(response.status).toBe(503);
          expect(response.headers.get('retry-after')).toBe('1');
          expect(await response.json()).toMatchObject({
            code: 'LATTICE_SERVICE_UNAVAILABLE',
            message: expect.stringMatching(/^Redis is unreachable/),
          });
          if (platform === 'fastify') {
            // @fastify/session saves before the response goes out: a failed save is a 503 too.
            const saving = await call(url, '/login', '', { name: 'linus' });
            expect(saving.status).toBe(503);
          }
        } finally {
          await node.stop();
          await proxy.close();
        }
      },
      PROCESS_TEST_MS,
    );
  });
});
