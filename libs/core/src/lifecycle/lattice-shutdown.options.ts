/** Options of `enableLatticeShutdown(app, options)`; unset ones come from the environment. */
export interface LatticeShutdownOptions {
  /**
   * Between readiness turning 503 and the listener closing, requests are served as usual, so
   * a balancer polling readiness stops sending first. Default: `SHUTDOWN_DELAY_MS` (0).
   */
  delayMs?: number;
  /**
   * How long open HTTP connections get to finish once the listener is closed; those still open
   * are then destroyed and shutdown goes on. Drain listeners (`LatticeShutdown.onDrain`: the
   * WebSocket handover) get as long after the delay. Default: `SHUTDOWN_TIMEOUT_MS` (10 s).
   */
  timeoutMs?: number;
  /**
   * How long an idle keep-alive connection stays open during the drain, for a request the
   * client already sent (it is answered with `Connection: close`). Default 1 s, at most `timeoutMs`.
   */
  idleGraceMs?: number;
  /**
   * The shutdown hooks (`app.close()`: queue workers, WebSockets, connections) must finish
   * within this, or the process is ended with code 1. Default 10 s.
   */
  hooksTimeoutMs?: number;
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
}
