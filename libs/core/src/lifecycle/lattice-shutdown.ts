import { Injectable, Logger } from '@nestjs/common';

/** Called once when draining begins; may return a promise the shutdown waits for (bounded). */
export type DrainListener = () => void | Promise<void>;

/**
 * Whether this process is draining: it received SIGTERM/SIGINT (see `enableLatticeShutdown`)
 * and answers what it already took, but a balancer should send it nothing new. Readiness
 * checks read `draining`; long-running work can watch it to wind down early, and libraries that
 * hold long-lived connections register `onDrain` to hand them over (socket tells its pages to
 * reconnect elsewhere; cluster marks the node draining for the other members).
 *
 * @example
 * @Get('ready') ready() { if (this.shutdown.draining) throw new ServiceUnavailableException('draining'); }
 */
@Injectable()
export class LatticeShutdown {
  private readonly logger = new Logger('Shutdown');
  private drainingSince: Date | undefined;
  private readonly listeners = new Set<DrainListener>();

  /** True from the signal on; never turns back. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** When draining began (for readiness reports), or undefined while serving. */
  get since(): Date | undefined {
    return this.drainingSince;
  }

  /**
   * Runs `listener` when draining begins (at once if it already has). Returns a function that
   * removes it.
   */
  onDrain(listener: DrainListener): () => void {
    if (this.drainingSince) void this.run(listener);
    else this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Marks the process as draining and runs the drain listeners; returns false if it already
   * was. `drained()` resolves when the listeners have finished.
   */
  startDraining(): boolean {
    if (this.drainingSince) return false;
    this.drainingSince = new Date();
    this.running = Promise.all([...this.listeners].map((listener) => this.run(listener))).then(
      () => undefined,
    );
    this.listeners.clear();
    return true;
  }

  /** Resolves once every drain listener has finished (at once while serving). */
  drained(): Promise<void> {
    return this.running;
  }

  private running: Promise<void> = Promise.resolve();

  private async run(listener: DrainListener): Promise<void> {
    try {
      await listener();
    } catch (error) {
      this.logger.error(
        `A drain listener failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
