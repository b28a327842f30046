import type { Type } from '@nestjs/common';
import type { CliOutput } from '@lattice/core/cli';

/** The command module a library offers, and the package it comes from (its help group). */
export interface LibraryCommands {
  /** The package, e.g. `@lattice/database`: the heading its commands are listed under. */
  library: string;
  /** The Nest module whose providers are the library's `@Command()` classes. */
  module: Type;
}

/** The module the app's commands run in: the app's configuration, and its own commands. */
export interface AppCommands {
  /** The app's package name (its help group). */
  name: string;
  /** Imported next to the libraries' command modules when a command runs. */
  module: Type;
}

/** Options of `runLattice()`. */
export interface LatticeRunOptions {
  /** Where the app is looked for (its package.json, up from here). Default `process.cwd()`. */
  cwd?: string;
  /** The arguments after the program's name. Default `process.argv.slice(2)`. */
  argv?: readonly string[];
  /** One line for `lattice --help`. */
  description?: string;
  /** Answers `--version`. Default: @lattice/cli's version. */
  version?: string;
  /**
   * The libraries' command modules. Default: found from the app's package.json (each installed
   * `@lattice/*` package that declares `"lattice": { "commands": … }` or has a `./cli` export).
   */
  libraries?: LibraryCommands[];
  /**
   * The app's command module. Default: the file named by package.json's `"lattice": { "commands" }`,
   * else `dist/cli.module.js`, else none.
   */
  app?: AppCommands;
  /**
   * The schematics collection `make:*` and `new` run: a package name or a collection.json path.
   * Default `@lattice/schematics`, resolved from the app (then from @lattice/cli).
   */
  collection?: string;
  /** Where help, reports and errors go. Default: the process's stdout and stderr. */
  output?: CliOutput;
}
