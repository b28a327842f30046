import { LatticeError } from './lattice.error';

/** One environment variable that failed validation. */
export interface ConfigProblem {
  variable: string;
  /** The value as it may be shown: secrets hidden, passwords in URLs masked. `undefined` when unset. */
  shownValue: string | undefined;
  problem: string;
  expected: string;
}

/** Thrown at boot when the environment does not match the configuration schema. Lists every problem at once. */
export class ConfigValidationError extends LatticeError {
  constructor(
    readonly problems: ConfigProblem[],
    readonly envFile: string | undefined,
  ) {
    super(
      'LATTICE_CONFIG_INVALID',
      [
        `Lattice cannot start: ${problems.length === 1 ? '1 environment variable is' : `${problems.length} environment variables are`} invalid.`,
        ...problems.map(
          (p) =>
            `  - ${p.variable}${p.shownValue === undefined ? ' (not set)' : ` = ${JSON.stringify(p.shownValue)}`}: ${p.problem}\n` +
            `      expected: ${p.expected}`,
        ),
      ].join('\n'),
      `Fix ${problems.length === 1 ? 'it' : 'them'} in the environment${envFile ? ` or in ${envFile}` : ''} and start again.`,
    );
  }
}
