import { LatticeError } from '@lattice/core';
import { CliUsageError } from '@lattice/core/cli';

/** Every error of @lattice/cli is built here; each names the thing, the cause and the fix. */
export const LatticeCliMessages = {
  schematicsMissing: (command: string) =>
    new LatticeError(
      'LATTICE_CLI_SCHEMATICS_MISSING',
      `${command} runs a schematic of @lattice/schematics, which is not installed in this app.`,
      'Install it: npm i -D @lattice/schematics (it brings @angular-devkit/schematics; the app needs @nestjs/schematics, as `nest new` installs).',
    ),
  appModuleMissing: (file: string, configured: boolean) =>
    new LatticeError(
      'LATTICE_CLI_APP_MODULE_MISSING',
      `The app's command module ${file} does not exist${configured ? ' (package.json "lattice": { "commands" } names it)' : ''}.`,
      file.startsWith('dist')
        ? 'Build the app first (npm run build), or point package.json "lattice": { "commands" } at the compiled module.'
        : 'Create it, or point package.json "lattice": { "commands" } at the module that configures your app for commands.',
    ),
  appModuleAmbiguous: (file: string, names: string[]) =>
    new LatticeError(
      'LATTICE_CLI_APP_MODULE_AMBIGUOUS',
      `${file} exports ${names.length ? `several Nest modules (${names.join(', ')})` : 'no Nest module'}, so lattice cannot tell which one its commands run in.`,
      names.length
        ? 'Export one module from that file, or name the one for commands CliModule.'
        : 'Export the @Module() class that configures the app for commands (database, queues, its own commands).',
    ),
  typescriptLoaderMissing: (file: string) =>
    new LatticeError(
      'LATTICE_CLI_TS_LOADER_MISSING',
      `The app's command module ${file} is TypeScript, and @swc-node/register is not installed to load it.`,
      'Install it (npm i -D @swc-node/register @swc/core), or point package.json "lattice": { "commands" } at the compiled file in dist/.',
    ),
  appModuleFailed: (file: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_CLI_APP_MODULE_FAILED',
      `Loading the app's command module ${file} failed: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`,
      'Fix the error it names and rebuild (npm run build); the library commands are listed meanwhile, and the app runs none.',
      { cause },
    ),
  libraryFailed: (specifier: string, cause: unknown) =>
    `${specifier} did not load (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}): its commands are not listed. Install what it names, or reinstall the package.`,
  libraryNotInstalled: (library: string) =>
    `${library} is in package.json but not installed (run npm install): its commands are not listed.`,
  bootHint: (hasAppModule: boolean) =>
    hasAppModule
      ? undefined
      : 'This app has no command module, so the library commands run without its configuration (database, queues). Create src/cli.module.ts importing what they need (see docs/guide/cli.md), build, and run again.',
  newTargetExists: (directory: string) =>
    new CliUsageError(
      'LATTICE_CLI_NEW_TARGET_EXISTS',
      `lattice new: ${directory} already exists and is not empty.`,
      'Choose another name, or pass --directory <folder> for an empty or new folder.',
    ),
  schematicFailed: (schematic: string, problems: string[]) =>
    new LatticeError(
      'LATTICE_CLI_SCHEMATIC_FAILED',
      `The ${schematic} schematic did not write anything: ${problems.join('; ')}.`,
      'Nothing was changed. Remove or rename what is in the way (or choose another name), then run it again.',
    ),
  schematicStopped: (schematic: string, reason: string) =>
    new LatticeError(
      'LATTICE_CLI_SCHEMATIC_STOPPED',
      `The ${schematic} schematic stopped: ${reason}`,
      'Nothing was written. Fix the name or option it names and run it again (add --help for its options).',
    ),
  installFailed: (command: string, directory: string, code: number | null) =>
    new LatticeError(
      'LATTICE_CLI_INSTALL_FAILED',
      `${command} in ${directory} failed (exit code ${code ?? 'none: it was killed'}); the app's files are written.`,
      `Fix what npm printed above, then: cd ${directory} && ${command}`,
    ),
};
