import type { LockHandle } from './distributed-lock';

/**
 * One acquisition, as handed to the caller: `held` and `signal` follow the lease; `release()`
 * runs once. The driver that made it calls `lose()` when the lease is gone. The AbortController
 * is made on first use of `signal`: most holders never look at it.
 */
export class LeaseHandle implements LockHandle {
  private controller: AbortController | undefined;
  private lostWith: Error | undefined;
  private released = false;
  private releasing: Promise<void> | undefined;

  constructor(
    readonly key: string,
    readonly fence: number,
    private readonly onRelease: () => Promise<void>,
  ) {}

  get held(): boolean {
    return !this.released && !this.lostWith;
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.lostWith && !this.controller.signal.aborted) this.controller.abort(this.lostWith);
    return this.controller.signal;
  }

  /** The lease is gone (refresh refused, or no refresh reached Redis before the lease ended). */
  lose(reason: Error): void {
    if (!this.held) return;
    this.lostWith = reason;
    this.controller?.abort(reason);
  }

  release(): Promise<void> {
    this.released = true;
    return (this.releasing ??= this.onRelease());
  }
}
