import { z } from 'zod';
import type { SocketModuleOptions } from './socket.interfaces';

const positive = z.number().int().min(1);

/** The check of `SocketModule` options at boot (it matches `SocketModuleOptions`). */
export const socketOptionsSchema = z.strictObject({
  path: z
    .string()
    .regex(/^\/\S*$/, 'expected a path starting with "/"')
    .optional(),
  allowedOrigins: z
    .array(z.string().regex(/^https?:\/\/[^/]+$/, 'expected an origin like https://forum.example'))
    .optional(),
  maxMessageBytes: positive.optional(),
  rateLimit: z.strictObject({ messages: positive, perMs: positive }).optional(),
  heartbeatMs: positive.optional(),
  drainWindowMs: z.number().int().min(0).optional(),
}) satisfies z.ZodType<SocketModuleOptions>;
