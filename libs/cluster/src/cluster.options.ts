import { z } from 'zod';

const strategy = z.enum([
  'round-robin',
  'least-connections',
  'weighted',
  'consistent-hash',
  'power-of-two',
]);
const ms = z.number().int().positive();

/** `ClusterModule.forRoot()` options, checked at boot; strict objects, so a misspelt key is named. */
export const clusterOptionsSchema = z
  .strictObject({
    role: z.enum(['web', 'worker']).default('web'),
    observe: z.boolean().default(false),
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).nullable().optional(),
    version: z.string().min(1).optional(),
    capabilities: z.array(z.string().min(1)).default([]),
    services: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          meta: z.record(z.string(), z.unknown()).default({}),
        }),
      )
      .default([]),
    weight: z.number().positive().default(1),
    heartbeatMs: ms.default(1000),
    ttlMs: ms.optional(),
    suspectAfterMs: ms.optional(),
    discovery: z
      .discriminatedUnion('mode', [
        z.strictObject({ mode: z.literal('registry') }),
        z.strictObject({
          mode: z.literal('kubernetes'),
          namespace: z.string().min(1).default('default'),
          clusterDomain: z.string().min(1).default('cluster.local'),
          portName: z.string().min(1).optional(),
          port: z.number().int().min(1).max(65535).optional(),
        }),
      ])
      .default({ mode: 'registry' }),
    balancing: z
      .strictObject({
        strategy: strategy.default('least-connections'),
        virtualNodes: z.number().int().min(1).max(10_000).default(160),
      })
      .default({ strategy: 'least-connections', virtualNodes: 160 }),
    leader: z.strictObject({ leaseMs: ms.default(5000) }).default({ leaseMs: 5000 }),
    locks: z
      .strictObject({
        ttlMs: ms.default(10_000),
        acquireTimeoutMs: z.number().int().min(0).default(5000),
      })
      .default({ ttlMs: 10_000, acquireTimeoutMs: 5000 }),
  })
  .transform((o) => ({
    ...o,
    ttlMs: o.ttlMs ?? Math.max(5000, o.heartbeatMs * 3),
    suspectAfterMs: o.suspectAfterMs ?? Math.round(o.heartbeatMs * 2.5),
  }))
  .refine((o) => o.ttlMs >= o.heartbeatMs * 3, {
    message:
      'ttlMs must be at least 3 × heartbeatMs, or a node on a slow beat is dropped while alive',
    path: ['ttlMs'],
  })
  .refine((o) => o.suspectAfterMs < o.ttlMs, {
    message:
      'suspectAfterMs must be below ttlMs, or a silent node is dropped without ever being suspect',
    path: ['suspectAfterMs'],
  });

/** The options with defaults applied. */
export type ResolvedClusterOptions = z.output<typeof clusterOptionsSchema>;
