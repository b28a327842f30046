import type { QueueWorkerRange, ScalePolicy } from './supervisor.interfaces';
import { SupervisorMessages } from './supervisor.messages';

/** Defaults of `lattice queue:supervise` (and of `QueueSupervisor`). */
export const SUPERVISOR_DEFAULTS = {
  min: 1,
  max: 4,
  backlogPerWorker: 20,
  maxWaitMs: 10_000,
  cooldownMs: 5_000,
  maxShift: 2,
  intervalMs: 1_000,
  stopTimeoutMs: 60_000,
  restartDelayMs: 1_000,
} as const;

const PART = /^([A-Za-z0-9_-]{1,64})(?:=(?:(\d+)\.\.)?(\d+))?$/;

/**
 * Reads `notifications=1..8,maintenance=1..2` (also `name=max`, or a bare `name` taking the
 * defaults) into worker ranges.
 */
export function parseQueueRanges(
  spec: string,
  defaults: { min: number; max: number } = SUPERVISOR_DEFAULTS,
): QueueWorkerRange[] {
  const ranges: QueueWorkerRange[] = [];
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = PART.exec(part);
    if (!match) throw SupervisorMessages.queueSpecInvalid(part);
    const [, queue, min, max] = match;
    if (ranges.some((r) => r.queue === queue)) throw SupervisorMessages.duplicateQueue(queue);
    const range = {
      queue,
      min:
        min !== undefined
          ? Number(min)
          : max !== undefined
            ? Math.min(defaults.min, Number(max))
            : defaults.min,
      max: max !== undefined ? Number(max) : defaults.max,
    };
    checkRange(range);
    ranges.push(range);
  }
  return ranges;
}

/** Throws the usage error for a range whose min is above its max, or whose max is 0. */
export function checkRange({ queue, min, max }: QueueWorkerRange): void {
  if (min < 0 || max < 1 || min > max) throw SupervisorMessages.rangeInvalid(queue, min, max);
}

/** `maxProcesses` defaults to the sum of the maxes; below the sum of the mins it is an error. */
export function resolveMaxProcesses(queues: QueueWorkerRange[], given?: number): number {
  const mins = queues.reduce((sum, q) => sum + q.min, 0);
  const maxProcesses = given ?? queues.reduce((sum, q) => sum + q.max, 0);
  if (mins > maxProcesses) throw SupervisorMessages.minimumsAboveMaxProcesses(mins, maxProcesses);
  return maxProcesses;
}

/** A policy with the defaults filled in, checked. */
export function scalePolicy(
  queues: QueueWorkerRange[],
  options: Partial<Omit<ScalePolicy, 'queues'>> = {},
): ScalePolicy {
  queues.forEach(checkRange);
  return {
    queues,
    maxProcesses: resolveMaxProcesses(queues, options.maxProcesses),
    backlogPerWorker: options.backlogPerWorker ?? SUPERVISOR_DEFAULTS.backlogPerWorker,
    maxWaitMs: options.maxWaitMs ?? SUPERVISOR_DEFAULTS.maxWaitMs,
    cooldownMs: options.cooldownMs ?? SUPERVISOR_DEFAULTS.cooldownMs,
    maxShift: options.maxShift ?? SUPERVISOR_DEFAULTS.maxShift,
  };
}
