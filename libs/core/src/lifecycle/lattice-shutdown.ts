import { Injectable, Logger } from '@nestjs/common';

/**
 * What a drain listener is told when draining begins (see `LatticeShutdown.onDrain`).
 */
export interface DrainContext {
  /**
   * Resolves once the balancer has had `SHUTDOWN_DELAY_MS` to see readiness 503 and stop sending
   * new connections here (at once without a delay, or when draining was started by hand). Hand
   * long-lived connections over from then on, so their reconnections reach another node.
   */
  readonly handover: Promise<void>;
  /**
   * When (epoch ms) `enableLatticeShutdown` stops waiting for drain listeners and runs the
   * shutdown hooks: the signal, plus the delay, plus `SHUTDOWN_TIMEOUT_MS`.
   */
  readonly deadline: number;
}

/**
 * Called once when draining begins; may return a promise the shutdown waits for (until the
 * context's `deadline`). Listeners that need no timing ignore the argument.
 */
export type DrainListener = (drain: DrainContext) => void | Promise<void>;

/** How `startDraining` is timed; `enableLatticeShutdown` passes its delay and timeout. */
export interface StartDrainingOptions {
  /** The handover waits this long after the signal (default 0). */
  delayMs?: number;
  /** Drain listeners get this long after the handover begins (default 10 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Whether this process is draining: it received SIGTERM/SIGINT (see `enableLatticeShutdown`)
 * and answers what it already took, but a balancer should send it nothing new. Readiness
 * checks read `draining`; long-running work can watch it to wind down early, and libraries that
 * hold long-lived connections register `onDrain` to hand them over (socket tells its pages to
 * reconnect elsewhere once `handover` resolves; cluster marks the node draining for the other
 * members at once).
 *
 * @example
 * @Get('ready') ready() { if (this.shutdown.draining) throw new ServiceUnavailableException('draining'); }
 */
@Injectable()
export class LatticeShutdown {
  private readonly logger = new Logger('Shutdown');
  private drainingSince: Date | undefined;
  private context: DrainContext | undefined;
  private readonly listeners = new Set<DrainListener>();
  private readonly running = new Set<Promise<void>>();

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
    if (this.context) this.run(listener, this.context);
    else this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Marks the process as draining and starts every drain listener at once (readiness turns 503
   * in the same instant); returns false if it already was. `drained()` resolves when the
   * listeners have finished.
   */
  startDraining(options: StartDrainingOptions = {}): boolean {
    if (this.drainingSince) return false;
    this.drainingSince = new Date();
    const delayMs = Math.max(0, options.delayMs ?? 0);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.context = {
      handover:
        delayMs > 0
          ? new Promise<void>((resolve) => setTimeout(resolve, delayMs).unref())
          : Promise.resolve(),
      deadline: this.drainingSince.getTime() + delayMs + timeoutMs,
    };
    for (const listener of this.listeners) this.run(listener, this.context);
    this.listeners.clear();
    return true;
  }

  /** Resolves once every drain listener has finished (at once while serving). */
  async drained(): Promise<void> {
    // A listener registered late (a module that starts after the signal) is waited for too.
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private run(listener: DrainListener, context: DrainContext): void {
    const done: Promise<void> = (async () => {
      try {
        await listener(context);
      } catch (error) {
        this.logger.error(
          `A drain listener failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    })().finally(() => this.running.delete(done));
    this.running.add(done);
  }
}
