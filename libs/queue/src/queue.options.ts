import { z } from 'zod';
import type { QueueModuleOptions } from './queue.interfaces';

const positiveInt = z.int().min(1);

/** What `QueueModule` accepts, checked at boot by core's `checkModuleOptions`. */
export const queueModuleOptionsSchema = z.strictObject({
  driver: z.enum(['memory', 'bullmq']).optional(),
  queues: z.record(z.string(), z.strictObject({ concurrency: positiveInt.optional() })).optional(),
  worker: z.boolean().optional(),
  keepCompleted: z.int().min(0).optional(),
  keepFailed: z.int().min(0).optional(),
  lockDurationMs: positiveInt.optional(),
  stalledIntervalMs: positiveInt.optional(),
  shutdownTimeoutMs: z.int().min(0).optional(),
}) satisfies z.ZodType<QueueModuleOptions>;

// Every option of the interface has a place in the schema (a strict schema would refuse it).
const everyOptionChecked: Record<
  Exclude<keyof QueueModuleOptions, keyof z.input<typeof queueModuleOptionsSchema>>,
  never
> = {};
void everyOptionChecked;
