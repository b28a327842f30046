import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { CliOutput } from '@lattice/core/cli';
import { LatticeCliMessages } from '../cli.messages';
import { runSchematic } from '../schematics/schematic-runner';

/** The package managers `--package-manager` accepts (each has an `install` command). */
export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn'] as const;

/** What `lattice new <name>` was asked. */
export interface NewAppOptions {
  name: string;
  /** Where to write the app, relative to `cwd`. Default: the name, dasherized. */
  directory?: string;
  skipInstall: boolean;
  packageManager: (typeof PACKAGE_MANAGERS)[number];
  dryRun: boolean;
  /** Generate the app's tests. */
  spec: boolean;
  /** The collection.json holding the `application` schematic. */
  collection: string;
  cwd: string;
  output: CliOutput;
}

/** `Shop`, `my_shop` → `shop`, `my-shop`: the folder the application schematic writes to. */
export function appFolderOf(name: string): string {
  return (name.trim().split('/').pop() ?? '')
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[ _]/g, '-');
}

/**
 * `lattice new`: writes the app with the `application` schematic, installs its packages (the
 * package manager's own progress shows) unless `skipInstall` or `dryRun`, and prints the two
 * commands that start it.
 */
export async function newApp(options: NewAppOptions): Promise<void> {
  const folder = options.directory ?? appFolderOf(options.name);
  const target = resolve(options.cwd, folder);
  const shown = relative(options.cwd, target) || '.';
  if (existsSync(target) && readdirSync(target).length)
    throw LatticeCliMessages.newTargetExists(shown);

  await runSchematic({
    collection: options.collection,
    schematic: 'application',
    options: {
      name: options.name,
      spec: options.spec,
      ...(options.directory ? { directory: options.directory } : {}),
    },
    root: options.cwd,
    dryRun: options.dryRun,
    output: options.output,
  });

  const install = `${options.packageManager} install`;
  const start = `${options.packageManager} start`;
  if (!options.skipInstall && !options.dryRun) {
    options.output.writeOut(`\nInstalling the packages: ${install} in ${shown} …\n`);
    const code = await new Promise<number | null>((done, fail) =>
      spawn(options.packageManager, ['install'], { cwd: target, stdio: 'inherit' })
        .on('error', fail)
        .on('close', done),
    );
    if (code !== 0) throw LatticeCliMessages.installFailed(install, shown, code);
  }
  const installed = !options.skipInstall && !options.dryRun;
  options.output.writeOut(
    `\n${options.dryRun ? 'Would create' : 'Created'} ${options.name} in ${shown}. Next:\n` +
      `  cd ${shown}\n` +
      `  ${installed ? start : `${install} && ${start}`}\n`,
  );
}
