import type { QueueStatus } from './supervisor.interfaces';
import { StreamSupervisorReporter } from './supervisor.reporter';

const queue = (workers: number, waiting: number, oldestWaitMs?: number): QueueStatus => ({
  queue: 'notifications',
  min: 1,
  max: 8,
  workers,
  starting: 0,
  stopping: 0,
  restarting: 0,
  pids: [],
  waiting,
  active: 0,
  oldestWaitMs,
});

function reporter(mode: 'tty' | 'plain' | 'json') {
  const out: string[] = [];
  return { out, reporter: new StreamSupervisorReporter(mode, (t) => void out.push(t), 60_000) };
}

describe('StreamSupervisorReporter', () => {
  const decision = { queue: 'notifications', from: 1, to: 3, reason: '240 waiting, oldest 4.2 s' };

  it('writes decisions as timestamped lines when not on a terminal, and the status when counts change', () => {
    const { out, reporter: r } = reporter('plain');
    r.decision(decision);
    r.status([queue(3, 240, 4200)]);
    r.status([queue(3, 200, 5000)]); // same counts: not repeated within statusEveryMs
    r.status([queue(2, 0)]);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z notifications: 1 → 3 workers, 240 waiting, oldest 4\.2 s\n$/,
    );
    expect(out[1]).toMatch(/Z notifications 3 of 1\.\.8: 240 waiting, oldest 4\.2 s\n$/);
    expect(out[2]).toMatch(/Z notifications 2 of 1\.\.8: idle\n$/);
  });

  it('keeps one status line redrawn under the log on a terminal', () => {
    const { out, reporter: r } = reporter('tty');
    r.status([queue(1, 10)]);
    r.status([queue(1, 10)]);
    r.decision(decision);
    r.close();
    const clear = '\r\x1b[K';
    expect(out).toHaveLength(3);
    expect(out[0]).toBe(`${clear}notifications 1 of 1..8: 10 waiting`);
    // The log line clears the status line, then the status line is drawn again under it.
    expect(out[1].startsWith(clear)).toBe(true);
    expect(out[1].slice(clear.length)).toMatch(
      /^\d\d:\d\d:\d\d notifications: 1 → 3 workers, 240 waiting, oldest 4\.2 s\nnotifications 1 of 1\.\.8: 10 waiting$/,
    );
    expect(out[2]).toBe(clear);
  });

  it('says which workers are starting, restarting or stopping', () => {
    const { out, reporter: r } = reporter('plain');
    r.status([{ ...queue(3, 240, 4200), starting: 1, restarting: 1, stopping: 2 }]);
    expect(out[0]).toMatch(
      /Z notifications 3 of 1\.\.8 \(1 starting, 1 restarting\) \+2 stopping: 240 waiting, oldest 4\.2 s\n$/,
    );
  });

  it('writes JSON lines with --json', () => {
    const { out, reporter: r } = reporter('json');
    r.decision(decision);
    r.event('worker-crashed', 'notifications#2 exited', { code: 1 });
    r.status([queue(3, 240)]);
    const lines = out.map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { time: expect.any(String), type: 'scale', ...decision },
      {
        time: expect.any(String),
        type: 'worker-crashed',
        message: 'notifications#2 exited',
        code: 1,
      },
      { time: expect.any(String), type: 'status', queues: [queue(3, 240)] },
    ]);
  });
});
