import { join, normalize, type Path, strings } from '@angular-devkit/core';
import { chain, noop, type Rule, type Tree } from '@angular-devkit/schematics';
import { SchematicsMessages } from '../schematics.messages';
import { readSourceRoot } from '../utils/names';
import { formatGenerated, generateFiles } from '../utils/rules';

export interface MigrationOptions {
  name: string;
  /** The folder holding `sqlite/` and `mysql/` (default: found under the source root, else `<src>/database/migrations`). */
  path?: string;
  sourceRoot?: string;
  /** The table a `create-…` migration makes (default: from the name `create-<table>-table`). */
  table?: string;
  /** Milliseconds since 1970 (default: now): the file name's prefix and the class name's suffix. */
  timestamp?: number;
  format?: boolean;
  /** Generate a test beside the migrations (default true): up, then down, on SQLite. */
  spec?: boolean;
  specFileSuffix?: string;
}

/**
 * A migration for each database Lattice runs on, as `lattice db:migrate` loads them: the app's
 * `migrations/sqlite/<time>-<name>.ts` and `migrations/mysql/<time>-<name>.ts`. A name like
 * `create-posts-table` writes the table with Lattice's usual first columns (LatticeEntity's).
 * Its test, `migrations/<time>-<name>.spec.ts`, runs up and down on an in-memory SQLite database.
 */
export function main(options: MigrationOptions): Rule {
  return (tree) => {
    const name = strings.dasherize(options.name.trim().split('/').pop() ?? '');
    if (!/[a-z]/.test(name)) throw SchematicsMessages.badName(options.name);
    const sourceRoot = options.sourceRoot ?? readSourceRoot(tree) ?? 'src';
    const directory = migrationsFolder(tree, sourceRoot, options.path);
    const timestamp = options.timestamp ?? Date.now();
    const table =
      options.table ?? /^create-(.+?)(-table)?$/.exec(name)?.[1]?.replace(/-/g, '_') ?? '';
    if (table && !/^[a-z_][a-z0-9_]*$/.test(table)) {
      throw new Error(
        `--table "${table}": a table name is lower-case letters, digits and underscores.`,
      );
    }
    const values = { name, timestamp, table, className: `${strings.classify(name)}${timestamp}` };
    return chain([
      generateFiles({ ...options, spec: false }, directory, values),
      // The test sits beside sqlite/ and mysql/: the migration loader reads every file in them.
      options.spec === false ? noop() : generateFiles(options, directory, values, './spec'),
      formatGenerated(options),
    ]);
  };
}

/** `--path`, or the first `migrations` folder under the source root with sqlite/ or mysql/ in it. */
export function migrationsFolder(tree: Tree, sourceRoot: string, path?: string): Path {
  if (path) {
    const given = normalize(`/${path}`);
    const under = join(normalize(`/${sourceRoot}`), path);
    for (const candidate of [given, under]) {
      if (tree.getDir(candidate).subdirs.length || tree.getDir(candidate).subfiles.length)
        return candidate;
    }
    throw SchematicsMessages.migrationsNotFound(path);
  }
  const found: Path[] = [];
  const visit = (dir: Path) => {
    const entry = tree.getDir(dir);
    if (dir.endsWith('/migrations') && entry.subdirs.some((d) => d === 'sqlite' || d === 'mysql'))
      found.push(dir);
    for (const sub of entry.subdirs) if (sub !== 'node_modules') visit(join(dir, sub));
  };
  visit(normalize(`/${sourceRoot}`));
  return found.sort()[0] ?? join(normalize(`/${sourceRoot}`), 'database', 'migrations');
}
