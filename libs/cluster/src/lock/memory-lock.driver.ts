import type { LockHandle } from './distributed-lock';
import { LeaseHandle } from './lease-handle';
import type { LockDriver, LockRequest } from './lock-driver';
import { LockMessages } from './lock.messages';

interface Slots {
  taken: number;
  /** Waiting acquisitions, first come first served; each takes the slot handed to it. */
  waiters: Array<() => void>;
}

/**
 * Locks of one process (no REDIS_URL): the same API, fencing tokens included, with nobody else to
 * share them with. A lease cannot be lost to another process, so `signal` never aborts here.
 */
export class MemoryLockDriver implements LockDriver {
  readonly name = 'memory';
  private readonly slots = new Map<string, Slots>();
  private readonly fences = new Map<string, number>();
  private readonly held = new Set<LeaseHandle>();

  async acquire({ key, limit, acquireTimeoutMs }: LockRequest): Promise<LockHandle> {
    const name = `${limit === undefined ? 'lock' : 'semaphore'}:${key}`;
    let slots = this.slots.get(name);
    if (!slots) this.slots.set(name, (slots = { taken: 0, waiters: [] }));
    const capacity = limit ?? 1;
    if (slots.taken < capacity) slots.taken++;
    else await this.wait(slots, key, acquireTimeoutMs, limit);
    const fence = (this.fences.get(key) ?? 0) + 1;
    this.fences.set(key, fence);
    const handle = new LeaseHandle(key, fence, async () => {
      this.held.delete(handle);
      const next = slots.waiters.shift();
      if (next)
        next(); // hand the slot over directly: no one can jump the queue
      else if (--slots.taken === 0) this.slots.delete(name);
    });
    this.held.add(handle);
    return handle;
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held].map((handle) => handle.release()));
  }

  private wait(
    slots: Slots,
    key: string,
    timeoutMs: number,
    limit: number | undefined,
  ): Promise<void> {
    const started = performance.now();
    return new Promise<void>((resolve, reject) => {
      if (timeoutMs === 0) return reject(LockMessages.timeout(key, 0, limit));
      const waiter = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        slots.waiters.splice(slots.waiters.indexOf(waiter), 1);
        reject(LockMessages.timeout(key, Math.round(performance.now() - started), limit));
      }, timeoutMs);
      slots.waiters.push(waiter);
    });
  }
}
