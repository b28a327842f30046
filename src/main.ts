import 'reflect-metadata';
import { enableLatticeShutdown, exitOnBootError, LatticeConfig } from '@lattice/core';
import { createForumApp } from './app.factory';

async function bootstrap(): Promise<void> {
  // HTTP_PLATFORM is checked with the rest of the configuration (forum.config.ts).
  const app = await createForumApp(process.env.HTTP_PLATFORM === 'fastify' ? 'fastify' : 'express');
  // SIGTERM/SIGINT: readiness 503, drain HTTP, finish jobs, close WebSockets, exit 0.
  enableLatticeShutdown(app);
  const config = app.get(LatticeConfig);
  await app.listen(config.get('PORT'), config.get('HOST'));
}

bootstrap().catch(exitOnBootError);
