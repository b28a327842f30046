import { z } from 'zod';
import type { StateModuleOptions } from './state.interfaces';

/** The check of `StateModule` options at boot (it matches `StateModuleOptions`). */
export const stateOptionsSchema = z.strictObject({
  store: z.enum(['memory', 'redis', 'sql']).optional(),
  cacheSize: z.number().int().min(1).optional(),
  readPageSize: z.number().int().min(1).optional(),
}) satisfies z.ZodType<StateModuleOptions>;
