import { join } from 'node:path';
import { WorkerPool, type WorkerPoolEvent } from '@lattice/cluster/supervisor';
import { waitFor } from '../../support/wait';

// Stands for the app's `lattice` entry: prints what queue:work prints, obeys FAKE_WORKER.
const FAKE = join(__dirname, 'fixtures', 'fake-worker.js');

function alive(pid: number | undefined): boolean {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
}

describe('WorkerPool (real child processes)', () => {
  let pool: WorkerPool | undefined;
  let events: WorkerPoolEvent[];

  function start(mode?: string, restartDelayMs = 50): WorkerPool {
    events = [];
    pool = new WorkerPool(
      { command: [process.execPath, FAKE], env: { FAKE_WORKER: mode }, restartDelayMs },
      (event) => events.push(event),
    );
    return pool;
  }

  const of = <T extends WorkerPoolEvent['type']>(type: T) =>
    events.filter((e): e is Extract<WorkerPoolEvent, { type: T }> => e.type === type);

  afterEach(async () => {
    await pool?.close(2_000);
    pool = undefined;
  });

  it('starts workers up to a count, and scaling down stops the newest with SIGTERM', async () => {
    const p = start();
    p.scaleTo('mail', 3);
    expect(p.count('mail')).toBe(3);
    await waitFor(() => of('ready').length === 3, { what: 'three workers to be ready' });
    const pids = p.list().map((w) => w.pid);
    expect(pids.every(alive)).toBe(true);
    expect(p.list().map((w) => [w.id, w.state])).toEqual([
      ['mail#1', 'running'],
      ['mail#2', 'running'],
      ['mail#3', 'running'],
    ]);

    p.scaleTo('mail', 1);
    expect(p.count('mail')).toBe(1);
    expect(p.stopping('mail')).toBe(2);
    await waitFor(() => of('exited').length === 2, { what: 'two workers to stop' });
    expect(of('exited').map((e) => [e.worker.id, e.code, e.expected])).toEqual(
      expect.arrayContaining([
        ['mail#3', 0, true],
        ['mail#2', 0, true],
      ]),
    );
    expect(of('exited')[0].tail).toContain('Stopped.');
    expect(of('restart')).toEqual([]);
    expect(p.list().map((w) => w.id)).toEqual(['mail#1']);

    expect(await p.close(5_000)).toEqual([]);
    expect(pids.some(alive)).toBe(false);
  });

  it('sends SIGTERM to a worker asked to stop while starting only once it is ready', async () => {
    const p = start('slow');
    p.scaleTo('mail', 1);
    p.scaleTo('mail', 0);
    await waitFor(() => of('exited').length === 1, { what: 'the worker to stop' });
    const [exit] = of('exited');
    expect([exit.code, exit.signal, exit.expected]).toEqual([0, null, true]);
    expect(exit.tail).toContain('Stopped.');
  });

  it('restarts a crashing worker with a delay that doubles per crash in a row', async () => {
    const p = start('crash');
    p.scaleTo('mail', 1);
    await waitFor(() => of('restart').length >= 3, { what: 'three restarts' });
    expect(of('restart').slice(0, 3)).toEqual([
      { type: 'restart', queue: 'mail', delayMs: 50, crashes: 1 },
      { type: 'restart', queue: 'mail', delayMs: 100, crashes: 2 },
      { type: 'restart', queue: 'mail', delayMs: 200, crashes: 3 },
    ]);
    const crash = of('exited')[0];
    expect([crash.code, crash.expected]).toEqual([3, false]);
    expect(crash.tail).toContain('boom: the database is gone');
    // A crashed worker waiting for its restart still counts: a crash loop is not a reason to scale.
    expect(p.count('mail')).toBe(1);
  });

  it('scaling down drops a pending restart before it stops a running worker', async () => {
    const p = start('crash', 60_000);
    p.scaleTo('mail', 1);
    await waitFor(() => of('restart').length === 1, { what: 'the crash' });
    expect(p.restarting('mail')).toBe(1);
    p.scaleTo('mail', 0);
    expect([p.count('mail'), p.restarting('mail')]).toEqual([0, 0]);
  });

  it('kills the workers still running after the stop timeout, and names them', async () => {
    const p = start('stubborn');
    p.scaleTo('mail', 2);
    await waitFor(() => of('ready').length === 2, { what: 'two workers to be ready' });
    const pids = p.list().map((w) => w.pid);
    expect((await p.close(300)).sort()).toEqual(['mail#1', 'mail#2']);
    expect(of('exited').map((e) => e.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(pids.some(alive)).toBe(false);
  });

  it('treats a command that cannot start as a crash', async () => {
    events = [];
    pool = new WorkerPool({ command: ['/nonexistent/lattice'], restartDelayMs: 60_000 }, (event) =>
      events.push(event),
    );
    pool.scaleTo('mail', 1);
    await waitFor(() => of('restart').length === 1, { what: 'the failed start' });
    expect(of('exited')[0].tail.join('\n')).toMatch(/ENOENT/);
  });
});
