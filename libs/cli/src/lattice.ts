import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Module, type Type } from '@nestjs/common';
import { LatticeError } from '@lattice/core';
import {
  CliExitCode,
  CliMessages,
  CliUsageError,
  runLatticeCli,
  type CliOutput,
} from '@lattice/core/cli';
import { Command as Program, CommanderError, Option as ProgramOption } from 'commander';
import type { AppCommands, LatticeRunOptions, LibraryCommands } from './cli.interfaces';
import { LatticeCliMessages } from './cli.messages';
import { findApp, type AppPackage } from './discovery/app-package';
import { commandsOf, type CommandDescription } from './discovery/command-metadata';
import { loadAppCommands, loadLibraries } from './discovery/load-commands';
import { PACKAGE_MANAGERS, newApp, type NewAppOptions } from './new/new-app';
import {
  DEFAULT_COLLECTION,
  findCollection,
  readCollection,
  type SchematicDescription,
} from './schematics/collection';
import { flagsOf, positionalOf, schematicOptions } from './schematics/schematic-options';
import { runSchematic } from './schematics/schematic-runner';

const processOutput: CliOutput = {
  writeOut: (text) => void process.stdout.write(text),
  writeErr: (text) => void process.stderr.write(text),
};

/** What `lattice` found around it: the app, the libraries' and the app's commands, the collection. */
export interface LatticeContext {
  cwd: string;
  app?: AppPackage;
  libraries: LibraryCommands[];
  appCommands?: AppCommands;
  /** Why the app's command module could not be loaded (its commands are then missing). */
  appProblem?: LatticeError;
  /** Lines for the end of `--help`: packages listed but not installed, and the like. */
  notes: string[];
  /** The collection.json of `make:*` and `new`, when installed. */
  collection?: string;
}

/**
 * Finds what the command line offers in `cwd`: the app (nearest package.json), the command
 * modules of the `@lattice/*` libraries it installed, its own command module, and the schematics
 * collection. Nothing boots; the modules are only loaded.
 */
export function discoverLattice(options: LatticeRunOptions = {}): LatticeContext {
  const cwd = options.cwd ?? process.cwd();
  const app = findApp(cwd);
  const notes: string[] = [];
  let libraries = options.libraries;
  if (!libraries) {
    const loaded = app ? loadLibraries(app) : { libraries: [], missing: [], failed: [] };
    libraries = loaded.libraries;
    notes.push(...loaded.missing.map(LatticeCliMessages.libraryNotInstalled), ...loaded.failed);
  }
  let appCommands = options.app;
  let appProblem: LatticeError | undefined;
  if (!appCommands && app) {
    try {
      appCommands = loadAppCommands(app);
    } catch (error) {
      if (!(error instanceof LatticeError)) throw error;
      appProblem = error;
      notes.push(error.describe().replace(/\n/g, ' '));
    }
  }
  const collection = findCollection(options.collection ?? DEFAULT_COLLECTION, [
    app?.root ?? cwd,
    __dirname, // beside @lattice/cli itself (npx @lattice/cli new, a global install)
  ]);
  return { cwd, app, libraries, appCommands, appProblem, notes, collection };
}

/**
 * The `lattice` command line: `new`, the commands of the installed Lattice libraries and of the
 * app, and `make:*`. Help, `new` and `make:*` run without the app; a library's or the app's
 * command boots a Nest application context of the app's command module and that library's
 * command module, and runs there (`runLatticeCli`). Resolves with the exit code (decision
 * 0020: 0 success, 1 failure, 2 usage error), also set as `process.exitCode`.
 */
export async function runLattice(options: LatticeRunOptions = {}): Promise<number> {
  const output = options.output ?? processOutput;
  const argv = [...(options.argv ?? process.argv.slice(2))];
  process.exitCode = undefined;
  let code: number = CliExitCode.Success;
  try {
    const context = discoverLattice(options);
    const program = buildLatticeProgram(context, {
      ...options,
      output,
      argv,
      onExit: (result) => (code = result),
      hasAppModule: !!context.appCommands,
    });
    await program.parseAsync(argv.length ? argv : ['--help'], { from: 'user' });
  } catch (error) {
    code = exitCodeOf(error);
    // commander has printed its own errors.
    if (!(error instanceof CommanderError)) output.writeErr(describe(error));
  }
  const own = Number(process.exitCode ?? 0);
  process.exitCode = code === CliExitCode.Success && own ? own : code;
  return Number(process.exitCode);
}

interface ProgramSettings extends LatticeRunOptions {
  output: CliOutput;
  argv: string[];
  /** Receives the exit code of a command run in the app (runLatticeCli's). */
  onExit: (code: number) => void;
  /** Whether the app has a command module (else a failure hints at making one). */
  hasAppModule?: boolean;
}

const GROUP_LATTICE = 'Lattice:';
const GROUP_MAKE = 'Generate code (make:*, @lattice/schematics):';

/** The commander program of `lattice`, its commands grouped in `--help` by where they come from. */
export function buildLatticeProgram(context: LatticeContext, settings: ProgramSettings): Program {
  const { output } = settings;
  const program = new Program('lattice')
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr })
    .exitOverride()
    .description(settings.description ?? 'The Lattice command line')
    .version(settings.version ?? ownVersion(), '-V, --version', 'Show the version of @lattice/cli')
    .helpOption('-h, --help', 'Show this help')
    .commandsGroup(GROUP_LATTICE)
    .helpCommand('help [command]', 'Show the help of a command');
  addNewCommand(program, context, settings);

  const taken = new Set(['new', 'help']);
  for (const { library, module } of context.libraries) {
    program.commandsGroup(`${library}:`);
    for (const command of commandsOf(module))
      addAppCommand(program, command, taken, settings, () => hostOf(context, [module]));
  }
  if (context.appCommands) {
    const { name, module } = context.appCommands;
    program.commandsGroup(`${name} (this app):`);
    for (const command of commandsOf(module))
      addAppCommand(program, command, taken, settings, () => hostOf(context, []));
  }

  if (context.collection) {
    program.commandsGroup(GROUP_MAKE);
    for (const schematic of readCollection(context.collection).schematics)
      if (schematic.name !== 'application')
        addMakeCommand(program, schematic, context, context.collection, taken, output);
  }

  const known = [...taken];
  program.on('command:*', ([name]: string[]) => {
    if (name.startsWith('make:') && !context.collection)
      throw LatticeCliMessages.schematicsMissing(`lattice ${name}`);
    throw CliMessages.unknownCommand('lattice', name, known);
  });
  const after = [
    ...(context.collection
      ? []
      : ['make:<schematic> needs @lattice/schematics: npm i -D @lattice/schematics']),
    ...context.notes,
  ];
  if (after.length) program.addHelpText('after', `\n${after.map((n) => `Note: ${n}`).join('\n')}`);
  return program;
}

/** A command of a library or of the app: parsed here for help and usage errors, run in the app. */
function addAppCommand(
  program: Program,
  { metadata, options }: CommandDescription,
  taken: Set<string>,
  settings: ProgramSettings,
  host: () => Type,
): void {
  if (taken.has(metadata.name)) return; // the app's module may import a library's commands too
  for (const name of [metadata.name, ...(metadata.aliases ?? [])]) taken.add(name);
  const command = program.command(metadata.name).description(metadata.description);
  if (metadata.arguments) command.arguments(metadata.arguments);
  if (metadata.aliases?.length) command.aliases(metadata.aliases);
  for (const option of options) {
    const programOption = new ProgramOption(option.flags, option.description);
    if (option.choices) programOption.choices(option.choices);
    if (option.defaultValue !== undefined) programOption.default(option.defaultValue);
    command.addOption(programOption);
  }
  command.action(async () => {
    // The command's own option parsers run there, on the same arguments.
    const code = await runLatticeCli(host(), {
      name: 'lattice',
      description: settings.description,
      argv: settings.argv,
      output: settings.output,
    });
    const hint = LatticeCliMessages.bootHint(!!settings.hasAppModule);
    if (code === CliExitCode.Failure && hint) settings.output.writeErr(`${hint}\n`);
    settings.onExit(code);
  });
}

/** The module a command runs in: the app's command module and the library's command module. */
function hostOf(context: LatticeContext, libraryModules: Type[]): Type {
  if (context.appProblem) throw context.appProblem;
  const imports = [...(context.appCommands ? [context.appCommands.module] : []), ...libraryModules];
  @Module({ imports })
  class LatticeCommandsModule {}
  return LatticeCommandsModule;
}

function addMakeCommand(
  program: Program,
  schematic: SchematicDescription,
  context: LatticeContext,
  collection: string,
  taken: Set<string>,
  output: CliOutput,
): void {
  const name = `make:${schematic.name}`;
  const aliases = schematic.aliases.map((alias) => `make:${alias}`).filter((a) => !taken.has(a));
  for (const each of [name, ...aliases]) taken.add(each);
  const command = program
    .command(name)
    .description(schematic.description)
    .aliases(aliases)
    .option('-d, --dry-run', 'Report what would be written, and write nothing');
  const positional = positionalOf(schematic);
  if (positional)
    command.argument(
      schematic.required.includes(positional) ? `<${positional}>` : `[${positional}]`,
      schematic.properties[positional].description ?? '',
    );
  for (const flag of flagsOf(schematic)) {
    const option = new ProgramOption(flag.flags, flag.description);
    if (flag.choices) option.choices(flag.choices);
    command.addOption(option);
  }
  command.action(async () => {
    const parsed = command.opts();
    await runSchematic({
      collection,
      schematic: schematic.name,
      options: schematicOptions(schematic, command.args, parsed),
      root: context.app?.root ?? context.cwd,
      dryRun: parsed.dryRun === true,
      output,
    });
  });
}

function addNewCommand(program: Program, context: LatticeContext, settings: ProgramSettings): void {
  program
    .command('new')
    .description('Create a new Lattice app (the application schematic), then install its packages')
    .argument('<name>', "the app's name: its folder and package name")
    .option('--directory <folder>', 'where to write the app (default: a folder named after it)')
    .option('--skip-install', 'write the files, do not install the packages')
    .addOption(
      new ProgramOption('-p, --package-manager <name>', 'the package manager that installs')
        .choices(PACKAGE_MANAGERS)
        .default('npm'),
    )
    .option('-d, --dry-run', 'report what would be written, and write nothing')
    .option('--no-spec', "leave out the app's tests")
    .option(
      '-c, --collection <collection>',
      'another schematics collection with an application schematic',
    )
    .action(async (name: string, parsed: Record<string, unknown>) => {
      const collection = parsed.collection
        ? findCollection(String(parsed.collection), [context.cwd, __dirname])
        : context.collection;
      if (!collection) throw LatticeCliMessages.schematicsMissing('lattice new');
      await newApp({
        name,
        directory: parsed.directory as string | undefined,
        skipInstall: parsed.skipInstall === true,
        packageManager: parsed.packageManager as NewAppOptions['packageManager'],
        dryRun: parsed.dryRun === true,
        spec: parsed.spec !== false,
        collection,
        cwd: context.cwd,
        output: settings.output,
      });
    });
}

/**
 * @lattice/cli's version, from its package.json: beside the built files in the package, or up
 * from the sources (libs/cli/src) and the Forum's build (dist/libs/cli/src) in this repository.
 */
function ownVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    for (const file of [join(dir, 'package.json'), join(dir, 'libs', 'cli', 'package.json')]) {
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === '@lattice/cli' && manifest.version) return manifest.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError)
    return error.exitCode === 0 ? CliExitCode.Success : CliExitCode.Usage;
  return error instanceof CliUsageError ? CliExitCode.Usage : CliExitCode.Failure;
}

function describe(error: unknown): string {
  if (error instanceof LatticeError) return `${error.describe()}\n`;
  return `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}
