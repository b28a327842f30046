import { LatticeConfig } from '@lattice/core';
import { INestApplication, LogLevel, Type } from '@nestjs/common';
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
  /** A module that imports AppModule and adds to it (the e2e suite's fixtures). */
  root: Type = AppModule,
): Promise<INestApplication> {
  // Logs wait until the app is built: a configuration error then prints alone, without Nest's stack trace.
  const options = { bufferLogs: true, autoFlushLogs: false, abortOnError: false };
  const app =
    platform === 'fastify'
      ? await NestFactory.create(root, new FastifyAdapter(), options)
      : await NestFactory.create(root, options);
  const level = app.get(LatticeConfig).get('LOG_LEVEL');
  app.useLogger(LEVELS.slice(0, LEVELS.indexOf(level) + 1));
  app.flushLogs();
  app.useWebSocketAdapter(new WsAdapter(app));
  return app;
}
