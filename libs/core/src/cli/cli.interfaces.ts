import type { LoggerService, LogLevel } from '@nestjs/common';

/** What `@Command()` says about a command. */
export interface CommandMetadata {
  /** The name typed after the program's, e.g. `db:migrate` in `lattice db:migrate`. */
  name: string;
  /** One line for `--help`. */
  description: string;
  /**
   * Positional arguments in commander's syntax: `<name>` required, `[id]` optional,
   * `[files...]` variadic; `run()` receives them, in order, as its first parameter.
   */
  arguments?: string;
  /** Other names the command answers to. */
  aliases?: string[];
}

/** What `@Option()` says about an option; the decorated method parses its value. */
export interface OptionMetadata {
  /** commander's flags: `-c, --count <n>` takes a value, `--dry-run` is a switch (true when given). */
  flags: string;
  /** One line for the command's `--help`. */
  description: string;
  /** The value when the option is not given (not passed through the parsing method). */
  defaultValue?: unknown;
  /** The only values accepted; checked before the parsing method runs, listed in `--help`. */
  choices?: readonly string[];
}

/** Where the command layer writes help and errors (process.stdout and process.stderr by default). */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** Options of `runLatticeCli()`. */
export interface LatticeCliOptions {
  /** The program's name in help and messages. Default `lattice`. */
  name?: string;
  /** One line for the program's `--help`. */
  description?: string;
  /** Answers `--version` (and `-V`) when set. */
  version?: string;
  /** The arguments after the program's, e.g. `['db:seed', '--count', '10']`. Default `process.argv.slice(2)`. */
  argv?: readonly string[];
  /** Nest's logger while the application runs. Default: errors and warnings only. */
  logger?: LoggerService | LogLevel[] | false;
  /** Where help and errors go. Default: the process's stdout and stderr. */
  output?: CliOutput;
}
