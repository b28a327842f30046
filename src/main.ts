import 'reflect-metadata';
import { closeOnSignals, exitOnBootError, LatticeConfig } from '@lattice/core';
import { createForumApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const app = await createForumApp('express');
  closeOnSignals(app);
  const config = app.get(LatticeConfig);
  await app.listen(config.get('PORT'), config.get('HOST'));
}

bootstrap().catch(exitOnBootError);
