import { z } from 'zod';

const ms = z.number().int().min(1);

/** The check of `OutboxModule` options at boot (it matches `OutboxModuleOptions`). */
export const outboxOptionsSchema = z.strictObject({
  pollIntervalMs: ms.optional(),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  leaseMs: ms.optional(),
  retryDelayMs: ms.optional(),
  maxRetryDelayMs: ms.optional(),
  deliveryTimeoutMs: ms.optional(),
  keepDeliveredMs: z.number().int().min(0).optional(),
  relay: z.boolean().optional(),
});
