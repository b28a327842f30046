import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { Type } from '@nestjs/common';
import type { AppCommands, LibraryCommands } from '../cli.interfaces';
import { LatticeCliMessages } from '../cli.messages';
import {
  appModuleFile,
  appRequire,
  libraryEntries,
  type AppPackage,
  type LibraryEntry,
} from './app-package';
import { commandsOf, isNestModule } from './command-metadata';

/** The Nest modules an entry exports that hold at least one `@Command()`. */
export function commandModulesOf(exports: Record<string, unknown>): Type[] {
  return Object.values(exports).filter(
    (value): value is Type => isNestModule(value) && commandsOf(value).length > 0,
  );
}

/**
 * The command modules of the `@lattice/*` libraries the app installed (see `libraryEntries`),
 * loaded as the app loads them. Listed-but-missing packages come back by name in `missing`, and
 * entries that fail to load (a peer the app lacks) as a note each in `failed`.
 */
export function loadLibraries(app: AppPackage): {
  libraries: LibraryCommands[];
  missing: string[];
  failed: string[];
} {
  const { found, missing } = libraryEntries(app);
  const require = appRequire(app);
  const failed: string[] = [];
  // By file, resolved as Node resolves the specifier, so the app's copy is the one loaded.
  const libraries = found.flatMap(({ library, specifier, file }: LibraryEntry) => {
    let exports: Record<string, unknown>;
    try {
      exports = require(file) as Record<string, unknown>;
    } catch (error) {
      failed.push(LatticeCliMessages.libraryFailed(specifier, error));
      return [];
    }
    return commandModulesOf(exports).map((module) => ({ library, module }));
  });
  return { libraries, missing, failed };
}

/**
 * The app's command module (see `appModuleFile`): the one Nest module the file exports, or the
 * one named `CliModule`. A TypeScript file is loaded through the app's @swc-node/register.
 */
export function loadAppCommands(app: AppPackage): AppCommands | undefined {
  const located = appModuleFile(app);
  if (!located) return undefined;
  const { file, configured } = located;
  const shown = relative(app.root, file) || file;
  if (!existsSync(file)) throw LatticeCliMessages.appModuleMissing(shown, configured);
  const require = appRequire(app);
  if (/\.[cm]?ts$/.test(file)) {
    let register: string;
    try {
      register = require.resolve('@swc-node/register');
    } catch {
      throw LatticeCliMessages.typescriptLoaderMissing(shown);
    }
    require(register);
  }
  let exports: Record<string, unknown>;
  try {
    exports = require(file) as Record<string, unknown>;
  } catch (error) {
    throw LatticeCliMessages.appModuleFailed(shown, error);
  }
  const modules = Object.entries(exports).filter(([, value]) => isNestModule(value));
  const chosen = modules.length === 1 ? modules[0] : modules.find(([name]) => name === 'CliModule');
  if (!chosen)
    throw LatticeCliMessages.appModuleAmbiguous(
      shown,
      modules.map(([name]) => name),
    );
  return { name: app.manifest.name ?? 'app', module: chosen[1] as Type };
}
