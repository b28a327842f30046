import type { LockHandle } from './distributed-lock';

/**
 * One acquisition, as handed to the caller: `held` and `signal` follow the lease; `release()`
 * runs once. The driver that made it calls `lose()` when the lease is gone.
 */
export class LeaseHandle implements LockHandle {
  private readonly controller = new AbortController();
  private released = false;
  private releasing: Promise<void> | undefined;

  constructor(
    readonly key: string,
    readonly fence: number,
    private readonly onRelease: () => Promise<void>,
  ) {}

  get held(): boolean {
    return !this.released && !this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The lease is gone (refresh refused, or no refresh reached Redis before the lease ended). */
  lose(reason: Error): void {
    if (this.held) this.controller.abort(reason);
  }

  release(): Promise<void> {
    this.released = true;
    return (this.releasing ??= this.onRelease());
  }
}
