import { freePort, TsProcess } from '../support/processes';
import { tempSqliteUrl } from '../support/forum-app';

// The real entry point (src/main.ts) in its own process, as `npm start` runs it.
describe('the Forum process', () => {
  it('boots, reports once, serves /health and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const forum = new TsProcess('src/main.ts', {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: tempSqliteUrl(),
    });
    try {
      await forum.waitFor(/Lattice Forum 0\.1\.0 ready on http:\/\/127\.0\.0\.1:\d+/);
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
  });

  it('refuses to start on invalid configuration with one readable message and exit code 1', async () => {
    const forum = new TsProcess('src/main.ts', { PORT: 'abc', DATABASE_URL: 'foo://x' });
    const exit = await forum.exited;
    const { stdout, stderr } = forum.output;
    expect(exit.code).toBe(1);
    expect(stderr).toContain('Lattice cannot start: 2 environment variables are invalid.');
    expect(stderr).toMatch(/PORT = "abc": not a number/);
    expect(stderr).toMatch(/DATABASE_URL = "foo:\/\/x": the scheme "foo:" is not supported/);
    expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(stdout).toBe(''); // nothing else: no half-started Nest logs
  });
});
