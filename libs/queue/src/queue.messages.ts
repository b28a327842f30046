import { LatticeError } from '@lattice/core';

const list = (names: string[]) => (names.length ? names.join(', ') : '(none)');

/** Every error the queue raises on purpose: the thing, the cause, the fix. */
export const QueueMessages = {
  notAJob: (name: string) =>
    new LatticeError(
      'LATTICE_QUEUE_NOT_A_JOB',
      `${name} is not a queue job: it has no @QueueJob() decorator.`,
      `Declare it as "@QueueJob({ queue: 'default' }) class ${name} extends Job<Payload> { … }".`,
    ),
  jobNotProvided: (name: string, queue: string) =>
    new LatticeError(
      'LATTICE_QUEUE_JOB_NOT_PROVIDED',
      `Job ${name} (queue "${queue}") is not a provider of any module, so no worker can run it.`,
      `Add ${name} to the providers of the module it belongs to.`,
    ),
  duplicateJob: (name: string, queue: string, first: string, second: string) =>
    new LatticeError(
      'LATTICE_QUEUE_DUPLICATE_JOB',
      `Two job classes, ${first} and ${second}, are named "${name}" on queue "${queue}".`,
      'Give one of them another name with @QueueJob({ name }) or move it to another queue.',
    ),
  handlerMissing: (queue: string, name: string, known: string[]) =>
    new LatticeError(
      'LATTICE_QUEUE_NO_HANDLER',
      `No job class handles "${name}" on queue "${queue}" in this process. Known here: ${list(known)}.`,
      'Deploy the job class to the workers of this queue, or remove the stale jobs with `lattice queue:clear`.',
    ),
  queueNameInvalid: (queue: string) =>
    new LatticeError(
      'LATTICE_QUEUE_NAME_INVALID',
      `Queue name ${JSON.stringify(queue)} is not allowed: use 1 to 64 letters, digits, "_" or "-".`,
      'Rename the queue in @QueueJob({ queue }) or QueueModule.forRoot({ queues }).',
    ),
  queueUnknown: (queue: string, known: string[]) =>
    new LatticeError(
      'LATTICE_QUEUE_UNKNOWN',
      `Queue "${queue}" is not known to this application. Known: ${list(known)}.`,
      'Check the name, or declare the queue in QueueModule.forRoot({ queues }) or with @QueueJob({ queue }).',
    ),
  payloadInvalid: (job: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_QUEUE_PAYLOAD_INVALID',
      `The payload of ${job} cannot be queued: ${cause instanceof Error ? cause.message : String(cause)}.`,
      'Payloads travel as JSON: pass plain data (ids rather than entities; no BigInt, functions or cycles).',
    ),
  optionInvalid: (job: string, option: string, value: unknown, rule: string) =>
    new LatticeError(
      'LATTICE_QUEUE_OPTION_INVALID',
      `${option}(${JSON.stringify(value) ?? String(value)}) for ${job} is not valid: ${rule}.`,
      `Pass ${rule}.`,
    ),
  scheduleInvalid: (id: string, reason: string) =>
    new LatticeError(
      'LATTICE_QUEUE_SCHEDULE_INVALID',
      `Schedule "${id}" is not valid: ${reason}.`,
      'Give exactly one of { every: milliseconds } or { cron: "m h dom mon dow" }.',
    ),
  emptyChain: () =>
    new LatticeError(
      'LATTICE_QUEUE_EMPTY_CHAIN',
      'queues.chain() needs at least one step.',
      'Pass the jobs in the order they should run: queues.chain([{ job: A, payload }, { job: B, payload }]).',
    ),
  needsSharedDriver: (command: string) =>
    new LatticeError(
      'LATTICE_QUEUE_NEEDS_REDIS',
      `\`${command}\` needs a queue that other processes can reach, but this process uses the in-process driver (REDIS_URL is not set).`,
      'Set REDIS_URL to the Redis the application uses. With the in-process driver, jobs run inside the app and show at /admin/queues.',
    ),
  managerNotVisible: (module: string) =>
    new LatticeError(
      'LATTICE_QUEUE_MODULE_MISSING',
      `${module} needs QueueManager, but no QueueModule is visible to it.`,
      `Import QueueModule.forRoot() in the application module; with isGlobal: false it is seen only by the module that imports it, so drop isGlobal: false or import ${module} there too.`,
    ),
  fakeHasNoWorker: (queue: string) =>
    new LatticeError(
      'LATTICE_QUEUE_FAKE_NO_WORKER',
      `QueueFake cannot run jobs of queue "${queue}": no worker was started for it.`,
      'Run the module with QueueModule.forRoot({ worker: true }) (the default) so job classes are registered.',
    ),
};
