import { Injectable } from '@nestjs/common';

/**
 * Whether this process is draining: it received SIGTERM/SIGINT (see `enableLatticeShutdown`)
 * and answers what it already took, but a balancer should send it nothing new. Readiness
 * checks read `draining`; long-running work can watch it to wind down early.
 *
 * @example
 * @Get('ready') ready() { if (this.shutdown.draining) throw new ServiceUnavailableException('draining'); }
 */
@Injectable()
export class LatticeShutdown {
  private drainingSince: Date | undefined;

  /** True from the signal on; never turns back. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** When draining began (for readiness reports), or undefined while serving. */
  get since(): Date | undefined {
    return this.drainingSince;
  }

  /** Marks the process as draining; returns false if it already was. */
  startDraining(): boolean {
    if (this.drainingSince) return false;
    this.drainingSince = new Date();
    return true;
  }
}
