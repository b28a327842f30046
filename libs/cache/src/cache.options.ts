import { z } from 'zod';
import type { CacheModuleOptions, CacheStoreOptions } from './cache.interfaces';

const ms = z.number().int().min(0);

const storeSchema = z.strictObject({
  driver: z.enum(['memory', 'redis', 'two-level', 'redis-cluster']).optional(),
  ttl: ms.optional(),
  lruSize: z.number().int().min(1).optional(),
  l1Ttl: ms.optional(),
  cluster: z
    .strictObject({
      nodes: z.array(z.string().regex(/^rediss?:\/\//, 'expected redis://host:port')).min(1),
    })
    .optional(),
}) satisfies z.ZodType<CacheStoreOptions>;

/** The check of `CacheModule` options at boot (it matches `CacheModuleOptions`). */
export const cacheOptionsSchema = z.strictObject({
  default: storeSchema.optional(),
  stores: z.record(z.string().min(1), storeSchema).optional(),
  maxKeyLength: z.number().int().min(1).optional(),
  maxValueBytes: z.number().int().min(1).optional(),
  tagCleanupIntervalMs: ms.optional(),
}) satisfies z.ZodType<CacheModuleOptions>;
