import { INestApplicationContext, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { LatticeConfig } from '../config/lattice.config';
import { HttpDrain } from './http-drain';
import { LatticeShutdown } from './lattice-shutdown';
import type { LatticeShutdownOptions } from './lattice-shutdown.options';

const HOOKS_TIMEOUT_MS = 10_000;
const IDLE_GRACE_MS = 1_000;

/**
 * Graceful shutdown for a Lattice app, in main.ts before `listen()`. On SIGTERM/SIGINT:
 * `LatticeShutdown.draining` turns true (readiness answers 503) and the drain listeners start
 * (`onDrain`: the socket refuses new upgrades, the cluster marks the node draining); after
 * `delayMs` the listener closes, every request already sent is answered (with
 * `Connection: close`), idle keep-alive connections are closed, and the drain listeners hand
 * long-lived connections over (the socket tells its pages to reconnect elsewhere, spread over
 * a window). Once both are done (within `timeoutMs`), `app.close()` runs the hooks (queue workers finish their jobs,
 * WebSockets close with 1001) and the process exits 0. Connections still open after
 * `timeoutMs` are destroyed; hooks still running after `hooksTimeoutMs` end the process with 1.
 * Use it instead of Nest's `enableShutdownHooks()`, which re-raises the signal (exit 143).
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * enableLatticeShutdown(app);
 * await app.listen(3000);
 */
export function enableLatticeShutdown(
  app: INestApplicationContext,
  options: LatticeShutdownOptions = {},
): void {
  const logger = new Logger('Shutdown');
  const config = optional(() => app.get(LatticeConfig));
  const shutdown = optional(() => app.get(LatticeShutdown)) ?? new LatticeShutdown();
  const delayMs = options.delayMs ?? config?.get('SHUTDOWN_DELAY_MS') ?? 0;
  const timeoutMs = options.timeoutMs ?? config?.get('SHUTDOWN_TIMEOUT_MS') ?? 10_000;
  const idleGraceMs = Math.min(options.idleGraceMs ?? IDLE_GRACE_MS, timeoutMs);
  const hooksTimeoutMs = options.hooksTimeoutMs ?? HOOKS_TIMEOUT_MS;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const server = httpServerOf(app);
  const http = server ? new HttpDrain(server) : undefined;
  if (server?.listening)
    logger.warn(
      'enableLatticeShutdown(app) was called after listen(): connections opened before it are not drained. Call it before app.listen().',
    );

  const onSignal = (signal: NodeJS.Signals) => {
    for (const s of signals) process.removeListener(s, onSignal);
    logger.log(`${signal} received, shutting down…`);
    void stop();
  };
  const stop = async () => {
    // Drain listeners start with the signal (the cluster marks this node draining, the socket
    // refuses new upgrades); their handover of long-lived connections waits for the delay, so
    // reconnections go where the balancer now sends them. See docs/decisions/0044-draining-a-node.md.
    const handoverAfterMs = http ? delayMs : 0;
    shutdown.startDraining({ delayMs: handoverAfterMs, timeoutMs });
    const listeners = waitForDrainListeners(shutdown, handoverAfterMs + timeoutMs);
    if (http) {
      logger.log(
        `Draining: readiness answers 503; the listener closes in ${delayMs} ms, open connections get ${timeoutMs} ms.`,
      );
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const open = http.openConnections;
      const { destroyed } = await http.drain({ timeoutMs, idleGraceMs });
      if (destroyed > 0)
        logger.warn(
          `${destroyed} of ${open} HTTP connections were still open after ${timeoutMs} ms and were closed.`,
        );
      else
        logger.log(
          `HTTP drained: stopped accepting, answered every request on ${open} open connections.`,
        );
    }
    if (!(await listeners))
      logger.warn(
        `Drain listeners were still running ${timeoutMs} ms after the handover began; shutting down anyway.`,
      );
    setTimeout(() => {
      logger.error(
        `Shutdown hooks did not finish within ${hooksTimeoutMs / 1000} s; exiting anyway.`,
      );
      process.exit(1);
    }, hooksTimeoutMs).unref();
    try {
      await app.close();
      logger.log('Stopped cleanly.');
    } catch (error) {
      logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  };
  for (const s of signals) process.on(s, onSignal);
}

/** True when every drain listener finished within `withinMs`; false when time ran out. */
async function waitForDrainListeners(
  shutdown: LatticeShutdown,
  withinMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), withinMs)),
  );
  try {
    return await Promise.race([shutdown.drained().then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP server of an app made by NestFactory.create (Express or Fastify); none for a context. */
function httpServerOf(app: INestApplicationContext): Server | undefined {
  const getHttpServer = (app as { getHttpServer?: () => unknown }).getHttpServer;
  if (typeof getHttpServer !== 'function') return undefined;
  const server = optional(() => getHttpServer.call(app) as Server);
  return server && typeof server.prependListener === 'function' ? server : undefined;
}

function optional<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}
