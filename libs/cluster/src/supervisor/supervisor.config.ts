import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { QueueWorkerRange } from './supervisor.interfaces';
import { SupervisorMessages } from './supervisor.messages';
import { checkRange, parseQueueRanges } from './supervisor.options';

const count = (min: number) => z.number().int().min(min);

/**
 * The file `lattice queue:supervise --config` reads (JSON): the same settings as the options,
 * which override it.
 *
 * @example
 * { "queues": { "notifications": "1..8", "maintenance": { "min": 1, "max": 2 } },
 *   "maxProcesses": 8, "cooldownMs": 3000 }
 */
export const supervisorConfigSchema = z.strictObject({
  queues: z
    .record(
      z.string(),
      z.union([z.string(), z.number().int(), z.strictObject({ min: count(0), max: count(1) })]),
    )
    .optional(),
  maxProcesses: count(1).optional(),
  backlogPerWorker: count(1).optional(),
  maxWaitMs: count(0).optional(),
  cooldownMs: count(0).optional(),
  maxShift: count(1).optional(),
  intervalMs: count(50).optional(),
  concurrency: count(1).optional(),
  stopTimeoutMs: count(0).optional(),
  command: z.array(z.string().min(1)).min(1).optional(),
});

/** A supervisor config file as read: the queues as ranges, the rest as given. */
export type SupervisorConfig = Omit<z.output<typeof supervisorConfigSchema>, 'queues'> & {
  queues?: QueueWorkerRange[];
};

/** Reads and checks a config file; every problem is a usage error naming the file and the field. */
export function loadSupervisorConfig(
  file: string,
  defaults: { min: number; max: number },
): SupervisorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw SupervisorMessages.configUnreadable(file, error);
  }
  const parsed = supervisorConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw SupervisorMessages.configInvalid(
      file,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  const { queues, ...rest } = parsed.data;
  if (!queues) return rest;
  return {
    ...rest,
    queues: Object.entries(queues).map(([queue, range]) => {
      if (typeof range === 'object') {
        checkRange({ queue, ...range });
        return { queue, ...range };
      }
      return parseQueueRanges(`${queue}=${range}`, defaults)[0];
    }),
  };
}
