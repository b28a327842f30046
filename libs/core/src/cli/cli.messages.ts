import { closestName } from '../text/closest-name';
import { LatticeError } from '../errors/lattice.error';
import { CliUsageError } from './cli.errors';

/** Every error of the command layer is built here; each names the thing, the cause and the fix. */
export const CliMessages = {
  unknownCommand: (program: string, name: string, known: readonly string[]) => {
    const near = closestName(name, known);
    return new CliUsageError(
      'LATTICE_CLI_UNKNOWN_COMMAND',
      `${program}: unknown command "${name}".${near ? ` Did you mean "${near}"?` : ''}`,
      `Run "${program} --help" to list the commands.`,
    );
  },
  duplicateCommand: (name: string, first: string, second: string) =>
    new LatticeError(
      'LATTICE_CLI_DUPLICATE_COMMAND',
      `Two commands are named "${name}": ${first} and ${second}.`,
      'Give one of them another name (or alias) in its @Command(), or register only one.',
    ),
  notACommandRunner: (className: string) =>
    new LatticeError(
      'LATTICE_CLI_NOT_A_COMMAND_RUNNER',
      `${className} has @Command() but does not extend CommandRunner.`,
      `Declare it as "class ${className} extends CommandRunner" with an async run(args, options) method.`,
    ),
  commandNotStatic: (className: string) =>
    `${className} has @Command() but is request-scoped or transient (or depends on such a provider); ` +
    'it was left out of the command line. Make it and its dependencies singletons (the default scope).',
  startFailed: (program: string) => `${program} failed to start:`,
};
