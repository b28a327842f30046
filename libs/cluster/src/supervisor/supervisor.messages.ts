import { LatticeError } from '@lattice/core';
import { CliUsageError } from '@lattice/core/cli';

/** Every error of `lattice queue:supervise`: the thing, the cause, the fix. */
export const SupervisorMessages = {
  queueSpecInvalid: (part: string) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_QUEUE_SPEC',
      `--queue: "${part}" is not a queue with a worker range.`,
      'Write each queue as name, name=max or name=min..max, separated by commas: --queue notifications=1..8,maintenance=1..2',
    ),
  rangeInvalid: (queue: string, min: number, max: number) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_RANGE',
      `Queue "${queue}": min ${min} is above max ${max}, or max is 0.`,
      'Give a min of at least 0 and a max of at least 1 and at least the min, e.g. notifications=1..8.',
    ),
  duplicateQueue: (queue: string) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_DUPLICATE_QUEUE',
      `Queue "${queue}" is named twice in --queue.`,
      'Name each queue once, with its range: --queue notifications=1..8.',
    ),
  minimumsAboveMaxProcesses: (sum: number, maxProcesses: number) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_MAX_PROCESSES',
      `The queues' minimums add up to ${sum} workers, more than --max-processes ${maxProcesses}.`,
      `Raise --max-processes to at least ${sum}, or lower the minimums.`,
    ),
  commandInvalid: (value: string) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_COMMAND',
      `--command "${value}" names no program.`,
      'Give the command that runs the app\'s lattice CLI, e.g. --command "node dist/src/cli.js"; the supervisor appends queue:work --queue <name>.',
    ),
  configUnreadable: (file: string, cause: unknown) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_CONFIG_UNREADABLE',
      // Not `instanceof Error`: fs errors may come from another realm (a test's VM context).
      `--config ${file} cannot be read as JSON: ${(cause as Error | undefined)?.message ?? String(cause)}.`,
      'Point --config at a JSON file such as {"queues": {"notifications": "1..8"}, "maxProcesses": 8}.',
    ),
  configInvalid: (file: string, problems: string[]) =>
    new CliUsageError(
      'LATTICE_SUPERVISOR_CONFIG_INVALID',
      `--config ${file} is not a supervisor configuration: ${problems.join('; ')}.`,
      'Known keys: queues ({"name": "min..max"} or {"name": {"min": 1, "max": 8}}), maxProcesses, backlogPerWorker, maxWaitMs, cooldownMs, maxShift, intervalMs, concurrency, stopTimeoutMs, command (an array).',
    ),
  workersDidNotStop: (ids: string[], timeoutMs: number) =>
    new LatticeError(
      'LATTICE_SUPERVISOR_STOP_TIMEOUT',
      `Workers ${ids.join(', ')} were still running ${timeoutMs} ms after SIGTERM and were killed; their running jobs go back to the queue when their locks expire.`,
      'Give long jobs more time with --stop-timeout <ms> (and the pod a terminationGracePeriodSeconds above it).',
    ),
};
