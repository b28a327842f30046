/** Metadata key of `@Command()` on a command class. */
export const LATTICE_CLI_COMMAND = 'lattice:cli:command';

/** Metadata key of `@Option()` on a command's option-parsing method. */
export const LATTICE_CLI_OPTION = 'lattice:cli:option';

/** The exit codes of a Lattice command line. */
export const CliExitCode = {
  /** The command ran to its end (or help or the version was printed). */
  Success: 0,
  /** The command failed, or the application did not start. */
  Failure: 1,
  /** The command line was wrong: unknown command or option, missing argument, bad option value. */
  Usage: 2,
} as const;

export type CliExitCode = (typeof CliExitCode)[keyof typeof CliExitCode];
