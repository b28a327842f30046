import { MemoryBudgetCounters } from './ai-budgets.counters';

describe('MemoryBudgetCounters', () => {
  it('adds per key, and forgets a window once its time is up', async () => {
    let now = 1_000;
    const counters = new MemoryBudgetCounters(() => now);
    await counters.add('user:a:day:0', 10.4, 0.5, 100);
    await counters.add('user:a:day:0', 5, 0.25, 100);
    await counters.add('app:day:0', 1, 0, 100);
    expect(await counters.read(['user:a:day:0', 'app:day:0', 'user:b:day:0'])).toEqual([
      { tokens: 15, cost: 0.75 },
      { tokens: 1, cost: 0 },
      { tokens: 0, cost: 0 },
    ]);
    now += 100;
    expect(await counters.read(['user:a:day:0'])).toEqual([{ tokens: 0, cost: 0 }]);
    await counters.add('user:a:day:0', 2, 0, 100); // a new window starts from zero
    expect(await counters.read(['user:a:day:0'])).toEqual([{ tokens: 2, cost: 0 }]);
  });
});
