import { type DrainContext, LatticeShutdown } from './lattice-shutdown';

describe('LatticeShutdown', () => {
  it('starts every drain listener with the signal and resolves drained() when they finish', async () => {
    const shutdown = new LatticeShutdown();
    const started: string[] = [];
    let finish!: () => void;
    shutdown.onDrain(() => void started.push('mark'));
    shutdown.onDrain(async () => {
      started.push('hand over');
      await new Promise<void>((resolve) => (finish = resolve));
    });
    let drained = false;
    expect(shutdown.startDraining()).toBe(true);
    expect(shutdown.draining).toBe(true);
    expect(started).toEqual(['mark', 'hand over']);
    const waiting = shutdown.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    finish();
    await waiting;
    expect(shutdown.startDraining()).toBe(false);
  });

  it('tells listeners when to hand over (after the delay) and the deadline', async () => {
    const shutdown = new LatticeShutdown();
    let context!: DrainContext;
    shutdown.onDrain((drain) => void (context = drain));
    const before = Date.now();
    shutdown.startDraining({ delayMs: 30, timeoutMs: 1000 });
    expect(context.deadline).toBeGreaterThanOrEqual(before + 1030);
    let handedOver = false;
    void context.handover.then(() => (handedOver = true));
    await Promise.resolve();
    expect(handedOver).toBe(false);
    await context.handover;
    expect(Date.now() - before).toBeGreaterThanOrEqual(29);
  });

  it('runs a listener registered after the signal at once, waits for it, and survives a failing one', async () => {
    const shutdown = new LatticeShutdown();
    shutdown.onDrain(() => {
      throw new Error('boom');
    });
    shutdown.startDraining();
    let late = false;
    shutdown.onDrain(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      late = true;
    });
    await shutdown.drained();
    expect(late).toBe(true);
  });
});
