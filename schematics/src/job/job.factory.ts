import type { Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { generateAndRegister } from '../utils/rules';

export interface JobOptions extends BaseOptions {
  /** The queue the job runs on (default `default`). */
  queue?: string;
  /** How many times it is tried (default 3). */
  attempts?: number;
}

/** A `@QueueJob` class with a typed payload and retries, in the module's providers. */
export function main(options: JobOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    const attempts = options.attempts ?? 3;
    if (!Number.isInteger(attempts) || attempts < 1) {
      throw new Error(
        `--attempts ${attempts}: a job is tried at least once. Give a whole number from 1.`,
      );
    }
    return generateAndRegister(
      options,
      target,
      { role: 'job', symbol: `${target.className}Job`, property: 'providers' },
      { queue: options.queue ?? 'default', attempts },
    );
  };
}
