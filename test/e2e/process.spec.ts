import { freePort, TsProcess } from '../support/processes';
import { tempSqliteUrl } from '../support/forum-app';
import { PROCESS_START_MS, PROCESS_TEST_MS } from '../support/wait';

// The real entry point (src/main.ts) in its own process, as `npm start` runs it.
describe('the Forum process', () => {
  it(
    'boots, reports once, serves /health and stops cleanly on SIGTERM',
    async () => {
      const port = await freePort();
      const forum = new TsProcess('src/main.ts', {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: tempSqliteUrl(),
      });
      try {
        await forum.waitFor(
          /Lattice Forum 0\.1\.0 ready on http:\/\/127\.0\.0\.1:\d+/,
          PROCESS_START_MS,
        );
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'ok' });
      } finally {
        const exit = await forum.stop('SIGTERM');
        expect(exit).toEqual({ code: 0, signal: null });
      }
      const { stdout } = forum.output;
      expect(stdout.match(/ready on/g)).toHaveLength(1);
      expect(stdout).toMatch(/database sqlite/);
      expect(stdout).toContain('SIGTERM received, shutting down');
      expect(stdout).toContain('Stopped cleanly.');
    },
    PROCESS_TEST_MS,
  );

  it(
    'refuses to start on invalid configuration with one readable message and exit code 1',
    async () => {
      const forum = new TsProcess('src/main.ts', { PORT: 'abc', DATABASE_URL: 'foo://x' });
      const exit = await forum.exited;
      const { stdout, stderr } = forum.output;
      expect(exit.code).toBe(1);
      expect(stderr).toContain('Lattice cannot start: 2 environment variables are invalid.');
      expect(stderr).toMatch(/PORT = "abc": not a number/);
      expect(stderr).toMatch(/DATABASE_URL = "foo:\/\/x": the scheme "foo:" is not supported/);
      expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
      expect(stdout).toBe(''); // nothing else: no half-started Nest logs
    },
    PROCESS_TEST_MS,
  );

  it(
    'in production: refuses to start without JWT_SECRET or LIVE_SECRET, and does not seed demo accounts into an empty database',
    async () => {
      const database = tempSqliteUrl();
      const refused = new TsProcess('src/main.ts', {
        NODE_ENV: 'production',
        LIVE_SECRET: 'a-production-live-secret-of-more-than-32-characters',
        DATABASE_URL: database,
      });
      expect((await refused.exited).code).toBe(1);
      expect(refused.output.stderr).toContain('No JWT secret is configured');

      const noLiveSecret = new TsProcess('src/main.ts', {
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-more-than-32-bytes',
        DATABASE_URL: database,
      });
      expect((await noLiveSecret.exited).code).toBe(1);
      expect(noLiveSecret.output.stderr).toContain('No live session secret is configured');
      expect(noLiveSecret.output.stderr).toContain('Set LIVE_SECRET');

      const port = await freePort();
      const forum = new TsProcess('src/main.ts', {
        NODE_ENV: 'production',
        JWT_SECRET: 'a-production-secret-of-more-than-32-bytes',
        LIVE_SECRET: 'a-production-live-secret-of-more-than-32-characters',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: database,
      });
      try {
        await forum.waitFor(/ready on/, PROCESS_START_MS);
        const page = await (await fetch(`http://127.0.0.1:${port}/questions?limit=1`)).json();
        expect(page.page.total).toBe(0);
        const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin@forum.example', password: 'lattice-demo' }),
        });
        expect(login.status).toBe(401);
      } finally {
        await forum.stop('SIGTERM');
      }
      expect(forum.output.stdout).toContain('Empty database in production: not seeding demo data');

      // The command line signs no tokens: its deploy steps need no JWT_SECRET.
      const cli = new TsProcess('src/cli.ts', { NODE_ENV: 'production', DATABASE_URL: database }, [
        'db:migrate:status',
      ]);
      expect((await cli.exited).code).toBe(0);
      expect(cli.output.stderr).toBe('');
    },
    PROCESS_TEST_MS,
  );
});
