import { dirname, join, normalize, type Path, relative, strings } from '@angular-devkit/core';
import {
  chain,
  noop,
  type Rule,
  type SchematicContext,
  type Tree,
} from '@angular-devkit/schematics';
import { SchematicsMessages } from '../schematics.messages';
import { declareInArrayProperty } from '../utils/module-declarator';
import { isEsmProject, readSourceRoot } from '../utils/names';
import { formatGenerated, generateFiles } from '../utils/rules';

export interface SeederOptions {
  name: string;
  /** The seeds folder (default: the first `seeds` folder under the source root, else `<src>/database/seeds`). */
  path?: string;
  sourceRoot?: string;
  /** The file whose `seeders: [...]` gets the seeder (default: the first such file under the source root). */
  module?: string;
  /** Do not add it to `seeders`. */
  skipImport?: boolean;
  format?: boolean;
  /** Generate a test beside the seeder (default true): it seeds once on in-memory SQLite. */
  spec?: boolean;
  specFileSuffix?: string;
}

/**
 * A `Seeder` for `lattice db:seed` (run once, in one transaction, recorded in lattice_seeds),
 * added to the `seeders: [...]` of the app's `DatabaseModule.forRoot(...)` options.
 */
export function main(options: SeederOptions): Rule {
  return (tree) => {
    const name = strings
      .dasherize(options.name.trim().split('/').pop() ?? '')
      .replace(/-seeder$/, '');
    if (!/[a-z]/.test(name)) throw SchematicsMessages.badName(options.name);
    const sourceRoot = normalize(`/${options.sourceRoot ?? readSourceRoot(tree) ?? 'src'}`);
    const directory = options.path
      ? join(sourceRoot, options.path)
      : (findFolder(tree, sourceRoot, 'seeds') ?? join(sourceRoot, 'database', 'seeds'));
    const className = strings.classify(name);
    return chain([
      generateFiles({ ...options, spec: false }, directory, { name, className }),
      options.spec === false
        ? noop()
        : generateFiles(options, directory, { name, className }, './spec'),
      addToSeeders(options, sourceRoot, `${className}Seeder`, join(directory, `${name}.seeder`)),
      formatGenerated(options),
    ]);
  };
}

function addToSeeders(options: SeederOptions, sourceRoot: Path, symbol: string, file: Path): Rule {
  return (tree: Tree, context: SchematicContext) => {
    if (options.skipImport) return tree;
    const candidates = options.module
      ? [normalize(`/${options.module}`), join(sourceRoot, options.module)]
      : tsFiles(tree, sourceRoot);
    if (options.module && !candidates.some((c) => tree.exists(c)))
      throw SchematicsMessages.moduleNotFound(options.module);
    for (const candidate of candidates) {
      if (!tree.exists(candidate)) continue;
      const source = tree.readText(candidate);
      if (!source.includes('seeders')) continue;
      let from: string = relative(dirname(candidate), file);
      if (!from.startsWith('.')) from = `./${from}`;
      if (isEsmProject(tree, dirname(candidate))) from += '.js';
      const edited = declareInArrayProperty(source, candidate, {
        symbol,
        from,
        property: 'seeders',
      });
      if (edited === undefined) continue;
      if (edited !== source) tree.overwrite(candidate, edited);
      return tree;
    }
    context.logger.warn(
      `No "seeders: [...]" found${options.module ? ` in ${options.module}` : ''}: list ${symbol} in DatabaseModule.forRoot({ seeders: [${symbol}] }) to have lattice db:seed run it.`,
    );
    return tree;
  };
}

function tsFiles(tree: Tree, root: Path): Path[] {
  const files: Path[] = [];
  tree.getDir(root).visit((path) => {
    if (path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.includes('/node_modules/'))
      files.push(path);
  });
  return files.sort();
}

function findFolder(tree: Tree, root: Path, name: string): Path | undefined {
  const found: Path[] = [];
  const visit = (dir: Path) => {
    for (const sub of tree.getDir(dir).subdirs) {
      if (sub === 'node_modules') continue;
      const path = join(dir, sub);
      if (sub === name) found.push(path);
      visit(path);
    }
  };
  visit(root);
  return found.sort()[0];
}
