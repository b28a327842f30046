import { z } from 'zod';
import type { QueueDashboardOptions } from './queue-dashboard.interfaces';

/** What `QueueDashboardModule` accepts, checked at boot by core's `checkModuleOptions`. */
export const queueDashboardOptionsSchema = z.strictObject({
  route: z
    .string()
    .regex(/^\/[^?#\s]*[^/?#\s]$/, {
      error: 'must be a path like "/admin/queues" (no trailing slash)',
    })
    .optional(),
  authorize: z
    .custom<NonNullable<QueueDashboardOptions['authorize']>>(
      (value) => typeof value === 'function',
      {
        error: 'must be a function (request) => boolean | Promise<boolean>',
      },
    )
    .optional(),
}) satisfies z.ZodType<QueueDashboardOptions>;

const everyOptionChecked: Record<
  Exclude<keyof QueueDashboardOptions, keyof z.input<typeof queueDashboardOptionsSchema>>,
  never
> = {};
void everyOptionChecked;
