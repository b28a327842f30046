import { z } from 'zod';
import type { LatticeModuleOptions } from './interfaces/lattice-module-options.interface';

const memoryOrRedis = z.enum(['memory', 'redis']);

/** The check of `LatticeModule.forRoot()` options at boot (it matches `LatticeModuleOptions`). */
export const latticeOptionsSchema = z.strictObject({
  env: z.record(z.string(), z.string().optional()).optional(),
  envFile: z.union([z.string(), z.literal(false)]).optional(),
  schema: z
    .custom<z.ZodRawShape>((value) => typeof value === 'object' && value !== null, {
      message: 'expected an object of zod schemas, e.g. { FORUM_TITLE: z.string() }',
    })
    .optional(),
  app: z.strictObject({ name: z.string().min(1), version: z.string().optional() }).optional(),
  drivers: z
    .strictObject({
      cache: memoryOrRedis.optional(),
      queue: z.enum(['memory', 'bullmq']).optional(),
      state: memoryOrRedis.optional(),
      events: memoryOrRedis.optional(),
      pubsub: memoryOrRedis.optional(),
    })
    .optional(),
  bootReport: z.boolean().optional(),
}) satisfies z.ZodType<LatticeModuleOptions>;
