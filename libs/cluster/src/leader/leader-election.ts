import { Injectable } from '@nestjs/common';

/**
 * One leader per cluster on a Redis lease: `SET key <nodeId> NX PX leaseMs`, renewed every
 * lease / 3 by a compare-and-extend script; a leader that cannot renew before its lease ends
 * stops acting as leader at once (it never assumes it still is). When the leader dies, another
 * node takes over within one lease. Without Redis this process is always the leader. Methods
 * decorated `@OnLeader()` run when this node becomes leader (and get an AbortSignal that aborts
 * when it stops being one).
 *
 * CONTRACT (lead): signatures are fixed; the locks branch implements the bodies.
 */
@Injectable()
export class LeaderElection {
  /** True while this node holds the lease. */
  get isLeader(): boolean {
    throw new Error('not built yet');
  }

  /** The current leader's node id, as of the last renewal or observation (undefined if none). */
  get leaderId(): string | undefined {
    throw new Error('not built yet');
  }

  /** A number that grows with each new leadership (a fencing token for the leader's writes). */
  get term(): number {
    throw new Error('not built yet');
  }

  /**
   * Runs `task` whenever this node becomes leader; the signal aborts when it stops being leader
   * (lease lost, shutdown). Returns the unsubscribe function.
   */
  onElected(task: (signal: AbortSignal) => void | Promise<void>): () => void {
    void task;
    throw new Error('not built yet');
  }

  /** Gives the lease up now (on shutdown), so another node takes over without waiting for it to expire. */
  async resign(): Promise<void> {
    throw new Error('not built yet');
  }
}
