import { LatticeError } from '@lattice/core';

/** Every error `@lattice/ai/queue` raises on purpose: the thing, the cause, the fix. */
export const AiQueueMessages = {
  packageMissing: (pkg: string, what: string) =>
    new LatticeError(
      'LATTICE_AI_QUEUE_PACKAGE_MISSING',
      `An AI task asked to ${what}, which needs the package ${pkg}; it is not installed.`,
      `npm i ${pkg}, or leave the option out.`,
    ),
  eventsModuleMissing: (channel: string) =>
    new LatticeError(
      'LATTICE_AI_QUEUE_EVENTS_MISSING',
      `An AI task asked to broadcast its result on channel "${channel}", but EventsModule is not imported where the task runs.`,
      'Import EventsModule.forRoot() from @lattice/events in the app that runs the ai queue, or leave `channel` out.',
    ),
  managerMissing: () =>
    new LatticeError(
      'LATTICE_AI_QUEUE_NO_MANAGER',
      'AI tasks need the AI manager, and no AiModule is imported where the ai queue runs.',
      'Import AiModule.forRoot({ … }) from @lattice/ai in the app that runs the tasks.',
    ),
  operationUnknown: (operation: string, known: readonly string[]) =>
    new LatticeError(
      'LATTICE_AI_QUEUE_OPERATION',
      `"${operation}" is not an operation an AI task can run.`,
      `Use one of ${known.join(', ')} (generateObject's schema and stream's chunks do not travel on a queue).`,
    ),
  keyInvalid: (key: unknown) =>
    new LatticeError(
      'LATTICE_AI_QUEUE_KEY',
      `The AI task key ${JSON.stringify(key)} is not a string of 1 to 500 characters.`,
      'Give a stable string naming the work (`summary:answer:42`), or no key for a new task each time.',
    ),
  optionInvalid: (option: string, value: unknown, range: string) =>
    new LatticeError(
      'LATTICE_AI_QUEUE_OPTION_INVALID',
      `AiQueueModule option ${option} is ${JSON.stringify(value)}; it must be ${range}.`,
      `Give ${option} ${range}, or leave it out for the default.`,
    ),
};
