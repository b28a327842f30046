import { INestApplicationContext, Logger } from '@nestjs/common';

const FORCED_EXIT_MS = 10_000;

/**
 * SIGTERM/SIGINT: stop taking requests (or jobs), run every shutdown hook (connections, timers),
 * then let the process end with code 0. Nest's own `enableShutdownHooks()` re-raises the
 * signal (exit 143); we exit normally so supervisors see a clean stop. A hook that hangs
 * is reported and the process is ended after 10 s.
 */
export function closeOnSignals(app: INestApplicationContext): void {
  const logger = new Logger('Shutdown');
  const onSignal = (signal: NodeJS.Signals) => {
    process.removeListener('SIGTERM', onSignal).removeListener('SIGINT', onSignal);
    logger.log(`${signal} received, shutting down…`);
    setTimeout(() => {
      logger.error(`Shutdown did not finish within ${FORCED_EXIT_MS / 1000} s; exiting anyway.`);
      process.exit(1);
    }, FORCED_EXIT_MS).unref();
    app.close().then(
      () => logger.log('Stopped cleanly.'),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
}
