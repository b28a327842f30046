import { HANDOVER_SPACING_MS, handoverPlan, RECONNECT_JITTER_MS } from './socket-handover';

describe('handoverPlan', () => {
  it('spreads many connections over the whole window, one per slot, with jittered reconnect delays', () => {
    const plan = handoverPlan(1000, 5000);
    const at = plan.map((turn) => turn.atMs);
    expect(Math.min(...at)).toBeLessThan(50);
    expect(Math.max(...at)).toBeGreaterThan(4900);
    expect(Math.max(...at)).toBeLessThan(5000);
    // Each turn falls inside its own slot of 5 ms, in order.
    for (let i = 0; i < at.length; i++) expect(Math.floor(at[i] / 5)).toBe(i);
    const after = plan.map((turn) => turn.afterMs);
    expect(Math.max(...after)).toBeLessThan(RECONNECT_JITTER_MS);
    expect(new Set(after).size).toBeGreaterThan(100);
  });

  it('takes only HANDOVER_SPACING_MS per connection when there are few', () => {
    const plan = handoverPlan(3, 5000);
    expect(plan.every((turn) => turn.atMs < 3 * HANDOVER_SPACING_MS)).toBe(true);
  });

  it('hands everything over at once with a window of 0, and plans nothing for no connections', () => {
    expect(handoverPlan(4, 0)).toEqual(Array.from({ length: 4 }, () => ({ atMs: 0, afterMs: 0 })));
    expect(handoverPlan(0, 5000)).toEqual([]);
  });
});
