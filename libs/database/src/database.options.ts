import type { Type } from '@nestjs/common';
import { EntitySchema, type MixedList } from 'typeorm';
import { z } from 'zod';
import type { DatabaseModuleOptions, EntityClassOrSchema } from './database.interfaces';
import type { Seeder } from './seeding/seeder';

const isClass = (value: unknown) => typeof value === 'function';
const count = z.number().int().min(0);

/** The check of `DatabaseModule` options at boot (it matches `DatabaseModuleOptions`). */
export const databaseOptionsSchema = z.strictObject({
  entities: z
    .array(
      z.custom<EntityClassOrSchema>(
        (value) => isClass(value) || value instanceof EntitySchema,
        'expected an entity class or an EntitySchema',
      ),
    )
    .optional(),
  synchronize: z.boolean().optional(),
  migrations: z
    .custom<MixedList<Function>>( // eslint-disable-line @typescript-eslint/no-unsafe-function-type
      (value) => typeof value === 'object' && value !== null && Object.values(value).every(isClass),
      'expected a list (or an object) of migration classes',
    )
    .optional(),
  migrationsDir: z.string().min(1).optional(),
  migrationsRun: z.boolean().optional(),
  seeders: z.array(z.custom<Type<Seeder>>(isClass, 'expected a seeder class')).optional(),
  poolSize: z.number().int().min(1).optional(),
  slowQueryMs: count.optional(),
  nPlusOneThreshold: count.optional(),
  cacheDurationMs: count.optional(),
  logging: z
    .union([
      z.boolean(),
      z.literal('all'),
      z.array(z.enum(['query', 'schema', 'error', 'warn', 'info', 'log', 'migration'])),
    ])
    .optional(),
  retryAttempts: count.optional(),
  timeouts: z
    .strictObject({
      connectMs: z.number().int().min(1).optional(),
      acquireMs: z.number().int().min(1).optional(),
      queryMs: count.optional(),
    })
    .optional(),
}) satisfies z.ZodType<DatabaseModuleOptions>;
