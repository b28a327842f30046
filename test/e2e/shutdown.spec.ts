import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { describeWith } from '../support/describe-with';
import { tempSqliteUrl } from '../support/forum-app';
import { freePort, TsProcess } from '../support/processes';
import { TEST_REDIS_URL } from '../support/services';
import { uniqueRedisPrefix } from '../support/test-resources';

interface Answer {
  status: number;
  connection: string | undefined;
  sentAfterSignal: boolean;
}

interface Client {
  answers: Answer[];
  /** The error that ended the client: ECONNREFUSED once the listener is closed. */
  ended: Promise<{ code: string; message: string }>;
}

/** One GET on a keep-alive agent; rejects with the socket error (ECONNRESET, ECONNREFUSED…). */
function get(agent: Agent, port: number, path: string): Promise<Omit<Answer, 'sentAfterSignal'>> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode!, connection: res.headers.connection }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

/** Sends requests one after another on one keep-alive connection until one fails. */
function keepSending(port: number, path: string, signalled: () => boolean): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Answer[] = [];
  const ended = (async () => {
    for (;;) {
      const sentAfterSignal = signalled();
      try {
        answers.push({ ...(await get(agent, port, path)), sentAfterSignal });
      } catch (error) {
        agent.destroy();
        const { code = 'none', message } = error as NodeJS.ErrnoException;
        return { code, message };
      }
    }
  })();
  return { answers, ended };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// The Forum in its own process under keep-alive load, stopped with SIGTERM while requests flow
// (issue 16, finding D: requests already sent were reset).
describeWith(['redis'], 'graceful shutdown under load', () => {
  describe.each(['express', 'fastify'] as const)('on %s', (platform) => {
    it('answers every request that reached it, refuses the rest, reports not ready, finishes the job, hands sockets over (1012) and exits 0', async () => {
      const port = await freePort();
      const forum = new TsProcess('test/e2e/fixtures/shutdown-forum.ts', {
        HTTP_PLATFORM: platform,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: tempSqliteUrl(),
        FORUM_SEED_ON_START: 'never',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('shutdown'),
        // As a Kubernetes deployment would: readiness fails a moment before the listener closes.
        SHUTDOWN_DELAY_MS: '1000',
      });
      let signalled = false;
      const clients: Client[] = [];
      try {
        await forum.waitFor(/ready on http/, 30_000);
        await forum.waitFor(/slow job started/);
        // Liveness stays apart from readiness: it answers while the process runs.
        expect(await get(new Agent(), port, '/health/live')).toEqual({
          status: 200,
          connection: 'close',
        });
        const socket = new WebSocket(`ws://127.0.0.1:${port}/socket`);
        await once(socket, 'open');
        const socketClosed = once(socket, 'close') as Promise<[number, Buffer]>;

        for (let i = 0; i < 6; i++)
          clients.push(keepSending(port, '/questions?limit=5', () => signalled));
        const readiness = keepSending(port, '/health/ready', () => signalled);
        const all = [...clients, readiness];
        // Load flowing on every connection before the signal.
        await until(() => all.every((c) => c.answers.length >= 5), 'requests to flow');

        signalled = true;
        forum.child.kill('SIGTERM');
        const ends = await Promise.all(all.map((c) => c.ended));
        const exit = await forum.exited;
        const [closeCode, closeReason] = await socketClosed;

        // Every request was answered in full, or refused before a connection existed: no resets.
        expect(ends).toEqual(
          all.map(() => ({ code: 'ECONNREFUSED', message: expect.any(String) })),
        );
        const answers = clients.flatMap((c) => c.answers);
        // 200, or 429 from the Forum's rate limit (300 a minute per route): never a 5xx.
        expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([]);
        expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
        // Requests sent after the signal were served too; the last on each connection said so.
        expect(answers.filter((a) => a.sentAfterSignal).length).toBeGreaterThan(0);
        for (const client of clients) expect(client.answers.at(-1)!.connection).toBe('close');
        // Readiness: 200 before the signal, 503 after it (while the listener was still open).
        expect(readiness.answers.slice(0, 5).map((a) => a.status)).toEqual([
          200, 200, 200, 200, 200,
        ]);
        expect(readiness.answers.some((a) => a.sentAfterSignal && a.status === 503)).toBe(true);
        // Handed over (decision 0044): told to reconnect elsewhere, then closed with 1012.
        expect([closeCode, closeReason.toString()]).toEqual([1012, 'server draining: reconnect']);
        expect(exit).toEqual({ code: 0, signal: null });

        const { stdout } = forum.output;
        expect(stdout).toContain('SIGTERM received, shutting down');
        expect(stdout).toMatch(/HTTP drained: stopped accepting, answered every request/);
        // The job in flight at the signal finished before the process stopped.
        expect(stdout.indexOf('slow job finished')).toBeGreaterThan(stdout.indexOf('SIGTERM'));
        expect(stdout.indexOf('Stopped cleanly.')).toBeGreaterThan(
          stdout.indexOf('slow job finished'),
        );
      } finally {
        signalled = true;
        const exit = await forum.stop('SIGKILL');
        if (exit.signal === 'SIGKILL') process.stdout.write(forum.output.stdout);
      }
    }, 45_000);
  });
});
