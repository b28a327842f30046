import { describeLoad, formatWait, planScale } from './scale-policy';
import type { QueueLoad, ScalePolicy, ScaleState } from './supervisor.interfaces';
import { parseQueueRanges, scalePolicy } from './supervisor.options';

const T0 = 1_000_000;

function policy(spec: string, more: Partial<Omit<ScalePolicy, 'queues'>> = {}): ScalePolicy {
  return scalePolicy(parseQueueRanges(spec), {
    backlogPerWorker: 10,
    maxWaitMs: 5_000,
    cooldownMs: 3_000,
    maxShift: 2,
    ...more,
  });
}

function state(
  workers: Record<string, number>,
  lastScaledAt: Record<string, number> = {},
): ScaleState {
  return { workers, lastScaledAt };
}

const waiting = (n: number, oldestWaitMs?: number): QueueLoad => ({
  waiting: n,
  active: 0,
  oldestWaitMs,
});

describe('planScale', () => {
  it('starts every queue at its minimum, at once', () => {
    const plan = planScale(policy('a=1..4,b=2..3'), state({}), {}, T0);
    expect(plan.workers).toEqual({ a: 1, b: 2 });
    expect(plan.decisions).toEqual([
      { queue: 'a', from: 0, to: 1, reason: 'minimum 1' },
      { queue: 'b', from: 0, to: 2, reason: 'minimum 2' },
    ]);
  });

  it('scales up by backlog, at most maxShift per step, with the figures in the reason', () => {
    const plan = planScale(policy('a=1..8'), state({ a: 1 }), { a: waiting(240, 4200) }, T0);
    expect(plan.workers).toEqual({ a: 3 });
    expect(plan.decisions).toEqual([
      { queue: 'a', from: 1, to: 3, reason: '240 waiting, oldest 4.2 s, max 8' },
    ]);
  });

  it('asks for ⌈waiting / backlogPerWorker⌉ workers', () => {
    const p = policy('a=1..8', { maxShift: 8 });
    expect(planScale(p, state({ a: 1 }), { a: waiting(10) }, T0).workers.a).toBe(1);
    expect(planScale(p, state({ a: 1 }), { a: waiting(11) }, T0).workers.a).toBe(2);
    expect(planScale(p, state({ a: 1 }), { a: waiting(45) }, T0).workers.a).toBe(5);
    expect(planScale(p, state({ a: 1 }), { a: waiting(1000) }, T0).workers.a).toBe(8);
  });

  it('waits out the cool-down between two steps of a queue', () => {
    const p = policy('a=1..8');
    const loads = { a: waiting(240) };
    expect(planScale(p, state({ a: 3 }, { a: T0 }), loads, T0 + 2_999).decisions).toEqual([]);
    expect(planScale(p, state({ a: 3 }, { a: T0 }), loads, T0 + 3_000).workers.a).toBe(5);
  });

  it('adds a worker when the oldest job waited too long, even with a small backlog', () => {
    const plan = planScale(policy('a=1..4'), state({ a: 1 }), { a: waiting(3, 9_000) }, T0);
    expect(plan.decisions).toEqual([
      {
        queue: 'a',
        from: 1,
        to: 2,
        reason: '3 waiting, oldest 9.0 s, waited longer than 5.0 s',
      },
    ]);
  });

  it('scales down one worker per cool-down as the backlog drains, never below the minimum', () => {
    const p = policy('a=1..8');
    let s = state({ a: 5 });
    const counts: number[] = [];
    for (let tick = 0; tick < 8; tick++) {
      const now = T0 + tick * 1_000;
      const plan = planScale(p, s, { a: waiting(0) }, now);
      for (const d of plan.decisions) s.lastScaledAt[d.queue] = now;
      s = { ...s, workers: plan.workers };
      counts.push(plan.workers.a);
    }
    // Cool-down 3 s, ticks of 1 s: a step every third tick.
    expect(counts).toEqual([4, 4, 4, 3, 3, 3, 2, 2]);
    const later = planScale(p, state({ a: 1 }), { a: waiting(0) }, T0);
    expect(later.decisions).toEqual([]);
  });

  it('says why when it scales down', () => {
    const plan = planScale(policy('a=1..8'), state({ a: 3 }), { a: { waiting: 0, active: 2 } }, T0);
    expect(plan.decisions).toEqual([
      { queue: 'a', from: 3, to: 2, reason: 'none waiting, 2 running' },
    ]);
  });

  it('shares --max-processes between queues by backlog per worker', () => {
    const p = policy('a=1..8,b=1..8', { maxProcesses: 6, maxShift: 8 });
    const plan = planScale(p, state({ a: 1, b: 1 }), { a: waiting(300), b: waiting(100) }, T0);
    // 4 spare processes: a's backlog per worker stays ahead until a has 4 and b 2.
    expect(plan.workers).toEqual({ a: 4, b: 2 });
    expect(plan.decisions.map((d) => d.reason)).toEqual([
      '300 waiting, max 8, --max-processes 6',
      '100 waiting, max 8, --max-processes 6',
    ]);
  });

  it('never runs more than --max-processes while a busy queue waits for another to shrink', () => {
    const p = policy('a=1..6,b=1..6', { maxProcesses: 6, maxShift: 6 });
    // b holds 5 workers but is now empty; a has a backlog. b was scaled just now (cool-down).
    const s = state({ a: 1, b: 5 }, { b: T0 });
    const first = planScale(p, s, { a: waiting(500), b: waiting(0) }, T0 + 1_000);
    expect(first.workers).toEqual({ a: 1, b: 5 });
    // Once b may shrink, it gives one back and a takes what is free.
    const second = planScale(p, s, { a: waiting(500), b: waiting(0) }, T0 + 3_000);
    expect(second.workers).toEqual({ a: 2, b: 4 });
    expect(second.workers.a + second.workers.b).toBeLessThanOrEqual(6);
  });

  it('keeps every minimum within --max-processes, and refuses minimums above it', () => {
    const p = policy('a=2..8,b=2..8', { maxProcesses: 4 });
    const plan = planScale(p, state({ a: 2, b: 2 }), { a: waiting(1000), b: waiting(0) }, T0);
    expect(plan.workers).toEqual({ a: 2, b: 2 });
    expect(() => policy('a=3..8,b=2..8', { maxProcesses: 4 })).toThrow(
      /minimums add up to 5 workers, more than --max-processes 4/,
    );
  });

  it('brings a queue above its max back at once', () => {
    const plan = planScale(policy('a=1..2'), state({ a: 4 }, { a: T0 }), { a: waiting(0) }, T0);
    expect(plan.workers.a).toBe(2);
  });
});

describe('parseQueueRanges', () => {
  it('reads name=min..max, name=max and bare names', () => {
    expect(
      parseQueueRanges('notifications=1..8, maintenance=2,default', { min: 1, max: 4 }),
    ).toEqual([
      { queue: 'notifications', min: 1, max: 8 },
      { queue: 'maintenance', min: 1, max: 2 },
      { queue: 'default', min: 1, max: 4 },
    ]);
    expect(parseQueueRanges('a=0..3')).toEqual([{ queue: 'a', min: 0, max: 3 }]);
  });

  it.each([
    ['a=x', /"a=x" is not a queue with a worker range/],
    ['a=3..1', /min 3 is above max 1/],
    ['a=0', /max is 0/],
    ['a,a=2', /named twice/],
    ['a b', /is not a queue/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseQueueRanges(spec)).toThrow(message);
  });
});

describe('describing loads', () => {
  it('writes waits and loads as the log shows them', () => {
    expect(formatWait(350)).toBe('350 ms');
    expect(formatWait(4_200)).toBe('4.2 s');
    expect(formatWait(210_000)).toBe('3.5 min');
    expect(describeLoad({ waiting: 0, active: 0 })).toBe('idle');
    expect(describeLoad({ waiting: 12, active: 3 })).toBe('12 waiting');
  });
});
