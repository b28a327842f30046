import { LatticeError } from '../errors/lattice.error';

/** One option that failed its check: where it is, what is wrong, and what would be right. */
export interface ModuleOptionProblem {
  /** The option's path, e.g. `drivers.cahce` or `stores[1].ttl`. */
  path: string;
  problem: string;
}

/**
 * Thrown at boot when a module's options do not pass their check. Lists every problem at
 * once, each with the closest known name for a misspelt key and the allowed values or range.
 */
export class ModuleOptionsError extends LatticeError {
  constructor(
    readonly moduleName: string,
    readonly problems: ModuleOptionProblem[],
  ) {
    super(
      'LATTICE_MODULE_OPTIONS_INVALID',
      [
        `${moduleName} options are invalid (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):`,
        ...problems.map((p) => `  - ${p.path || '(options)'}: ${p.problem}`),
      ].join('\n'),
      `Fix the options passed to ${moduleName}.forRoot() / forRootAsync() (see the ${moduleName} README).`,
    );
  }
}
