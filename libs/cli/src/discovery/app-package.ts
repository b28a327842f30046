import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';

/** What lattice reads of a package.json. */
export interface PackageManifest {
  name?: string;
  version?: string;
  main?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: unknown;
  schematics?: string;
  /** `"lattice": { "commands": "./cli" }`: the entry (a library's) or file (the app's) holding commands. */
  lattice?: { commands?: string | false };
}

/** The app lattice runs in: the folder of the nearest package.json, and that package.json. */
export interface AppPackage {
  root: string;
  manifest: PackageManifest;
}

/** A library of the app that offers commands, and the specifier of its command entry. */
export interface LibraryEntry {
  library: string;
  specifier: string;
  /** The file that entry loads, resolved from the package's folder and exports. */
  file: string;
}

export function readManifest(file: string): PackageManifest {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
}

/** The nearest package.json from `cwd` up; undefined outside any package. */
export function findApp(cwd: string): AppPackage | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return { root: dir, manifest: readManifest(file) };
    if (dirname(dir) === dir) return undefined;
  }
}

/** A require() that resolves as the app's own code does. */
export function appRequire(app: AppPackage): NodeJS.Require {
  return createRequire(join(app.root, 'package.json'));
}

/**
 * The `@lattice/*` packages the app lists in its package.json that offer commands: those that
 * declare `"lattice": { "commands": "./cli" }`, or else have a `./cli` export. Listed but not
 * installed ones come back in `missing`.
 */
export function libraryEntries(app: AppPackage): { found: LibraryEntry[]; missing: string[] } {
  const names = Object.keys({ ...app.manifest.dependencies, ...app.manifest.devDependencies })
    .filter((name) => name.startsWith('@lattice/'))
    .sort();
  const found: LibraryEntry[] = [];
  const missing: string[] = [];
  for (const library of names) {
    const dir = installedPackageDir(app.root, library);
    if (!dir) {
      missing.push(library);
      continue;
    }
    const manifest = readManifest(join(dir, 'package.json'));
    const specifier = commandEntryOf(library, manifest);
    if (specifier)
      found.push({
        library,
        specifier,
        file: entryFile(dir, manifest, specifier.slice(library.length)),
      });
  }
  return { found, missing };
}

/**
 * The folder of an installed package, looked up as Node does (node_modules of the app's folder,
 * then of each folder above); found by its folder, so a package whose exports map hides
 * ./package.json is found too.
 */
export function installedPackageDir(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The file an entry (`''` or `/cli`) of a package loads with require(): its exports target, else the path. */
function entryFile(dir: string, manifest: PackageManifest, sub: string): string {
  const key = sub ? `.${sub}` : '.';
  const exports = manifest.exports as Record<string, unknown> | string | undefined;
  let target: unknown = typeof exports === 'object' && exports !== null ? exports[key] : undefined;
  if (!target && key === '.' && typeof exports === 'string') target = exports;
  // A conditions object: what require() takes.
  while (target && typeof target === 'object') {
    const conditions = target as Record<string, unknown>;
    target = conditions.require ?? conditions.node ?? conditions.default;
  }
  return join(
    dir,
    typeof target === 'string' ? target : sub ? `.${sub}` : (manifest.main ?? 'index.js'),
  );
}

/** `@lattice/queue` + `"lattice": { "commands": "./cli" }` → `@lattice/queue/cli`. */
export function commandEntryOf(library: string, manifest: PackageManifest): string | undefined {
  const declared = manifest.lattice?.commands;
  if (declared === false) return undefined;
  if (typeof declared === 'string') {
    const sub = declared.replace(/^\.\/?/, '');
    return sub ? `${library}/${sub}` : library;
  }
  const exported =
    typeof manifest.exports === 'object' &&
    manifest.exports !== null &&
    './cli' in manifest.exports;
  return exported ? `${library}/cli` : undefined;
}

/**
 * The file holding the app's command module: package.json `"lattice": { "commands" }`, else
 * `dist/cli.module.js` when it exists. `configured` says which.
 */
export function appModuleFile(app: AppPackage): { file: string; configured: boolean } | undefined {
  const declared = app.manifest.lattice?.commands;
  if (typeof declared === 'string')
    return { file: isAbsolute(declared) ? declared : join(app.root, declared), configured: true };
  const conventional = join(app.root, 'dist', 'cli.module.js');
  return existsSync(conventional) ? { file: conventional, configured: false } : undefined;
}
