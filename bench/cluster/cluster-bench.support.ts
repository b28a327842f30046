// What the cluster benchmarks share: a private Redis (so INFO commandstats counts only the
// benchmark's own commands), child processes on the @swc-node/register hook, IPC questions.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import Redis from 'ioredis';

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server of the benchmark's own on a free port, no persistence; `stop()` ends it. */
export async function privateRedis(): Promise<{
  url: string;
  client: Redis;
  stop(): Promise<void>;
}> {
  const port = await freePort();
  const proc = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  // Wait for the port before connecting (ioredis would retry on its own and then refuse connect()).
  for (let i = 0; ; i++) {
    const socket = createConnection({ host: '127.0.0.1', port });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    });
    socket.destroy();
    if (ok) break;
    if (i > 100) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  process.once('exit', () => proc.kill('SIGKILL'));
  return {
    url,
    client,
    stop: async () => {
      client.disconnect();
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    },
  };
}

/** Every command Redis ran so far (INFO commandstats, summed), and per command name. */
export async function commandCounts(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const counts: Record<string, number> = {};
  for (const match of info.matchAll(/cmdstat_([\w|]+):calls=(\d+)/g))
    counts[match[1]] = Number(match[2]);
  return counts;
}

/** A child process, on the same @swc-node/register hook as bench/run.mjs. */
export function child(file: string, env: Record<string, string> = {}): ChildProcess {
  return fork(file, [], {
    execArgv: ['-r', '@swc-node/register'],
    serialization: 'advanced',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Sends a command and resolves with the child's first report named `answer`. */
export function ask<T extends { cmd: string }>(
  proc: ChildProcess,
  command: unknown,
  answer: string,
  timeoutMs = 180_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.off('message', on);
      reject(new Error(`no "${answer}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (report: T | { cmd: 'failed'; error: string }) => {
      if (report.cmd === 'failed') {
        clearTimeout(timer);
        proc.off('message', on);
        reject(new Error((report as { error: string }).error));
      } else if (report.cmd === answer) {
        clearTimeout(timer);
        proc.off('message', on);
        resolve(report as T);
      }
    };
    proc.on('message', on);
    if (command) proc.send(command as object);
  });
}
