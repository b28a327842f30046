import type { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

type Manifest = {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** This package's version (from src/utils or dist/utils, wherever its package.json is). */
function ownVersion(): string {
  for (let dir = __dirname, i = 0; i < 4; dir = dirname(dir), i++) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (manifest.name === '@lattice/schematics' && manifest.version) return manifest.version;
  }
  return '0.1.0';
}

/**
 * Adds a Lattice library the generated code imports to the app's package.json `dependencies`
 * (at the range the app's @lattice/core has, since the libraries are released together), and says
 * to run npm install. Nothing changes when the app has no package.json or already lists it.
 */
export function addLatticeDependency(name: string): Rule {
  return (tree: Tree, context: SchematicContext) => {
    if (!tree.exists('/package.json')) return tree;
    const manifest = JSON.parse(tree.readText('/package.json')) as Manifest;
    if (manifest.dependencies?.[name] ?? manifest.devDependencies?.[name]) return tree;
    const range = manifest.dependencies?.['@lattice/core'] ?? `^${ownVersion()}`;
    const dependencies = { ...manifest.dependencies, [name]: range };
    manifest.dependencies = Object.fromEntries(
      Object.keys(dependencies)
        .sort()
        .map((key) => [key, dependencies[key]]),
    );
    tree.overwrite('/package.json', `${JSON.stringify(manifest, null, 2)}\n`);
    context.logger.info(`Added ${name} to package.json: run npm install.`);
    return tree;
  };
}
