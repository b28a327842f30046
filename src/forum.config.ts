import { liveConfigShape } from '@lattice/live';
import { securityConfigShape } from '@lattice/security';
import { z } from 'zod';

/** The Forum's own variables, validated at boot with Lattice's. */
export const forumConfigShape = {
  // JWT_SECRET (a random one per process in development) and ENCRYPTION_KEYS.
  ...securityConfigShape,
  // LIVE_SECRET: required with NODE_ENV=production; a random one per process in development.
  ...liveConfigShape,
  FORUM_SEED_ON_START: z
    .enum(['auto', 'always', 'never'], { error: 'not one of auto, always, never' })
    .default('auto')
    .describe(
      'auto (seed an empty SQLite database at start, except in production), always, or never',
    ),
  QUEUE_WORKERS: z
    .enum(['on', 'off'], { error: 'not one of on, off' })
    .default('on')
    .describe('on: the web process runs queue workers; off: leave them to `lattice queue:work`'),
  HTTP_PLATFORM: z
    .enum(['express', 'fastify'], { error: 'not one of express, fastify' })
    .default('express')
    .describe('express or fastify: the HTTP platform main.ts builds the Forum on'),
};
