import { LatticeConfig } from '@lattice/core';
import { INestApplication, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppModule } from './app.module';

export type HttpPlatform = 'express' | 'fastify';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Builds the Forum app on either HTTP platform, configured exactly as `npm start` runs it.
 * The e2e suite uses it too, so what is tested is what ships.
 */
export async function createForumApp(
  platform: HttpPlatform = 'express',
): Promise<INestApplication> {
  // Logs wait until the app is built: a configuration error then prints alone, without Nest's stack trace.
  const options = { bufferLogs: true, autoFlushLogs: false, abortOnError: false };
  const app =
    platform === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter(), options)
      : await NestFactory.create(AppModule, options);
  const level = app.get(LatticeConfig).get('LOG_LEVEL');
  app.useLogger(LEVELS.slice(0, LEVELS.indexOf(level) + 1));
  app.flushLogs();
  app.useWebSocketAdapter(new WsAdapter(app));
  return app;
}

const FORCED_EXIT_MS = 10_000;

/**
 * SIGTERM/SIGINT: stop taking requests, run every shutdown hook (connections, timers),
 * then let the process end with code 0. Nest's own `enableShutdownHooks()` re-raises the
 * signal (exit 143); we exit normally so supervisors see a clean stop. A hook that hangs
 * is reported and the process is ended after 10 s.
 */
export function closeOnSignals(app: INestApplication): void {
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
