import { dirname, normalize, type Path, relative, strings } from '@angular-devkit/core';
import {
  apply,
  applyTemplates,
  filter,
  forEach,
  mergeWith,
  move,
  noop,
  type Rule,
  type SchematicContext,
  type Source,
  type Tree,
  url,
} from '@angular-devkit/schematics';
import { SchematicsMessages } from '../schematics.messages';
import { readPrettierConfig, formatSource } from './format';
import { type Declaration, declareInModule, ModuleEditError } from './module-declarator';
import { findNearestModule, resolveModuleOption } from './module-finder';
import { isEsmProject, readSourceRoot } from './names';
import type { BaseOptions } from './options';

/**
 * The schematic's `files/` templates (or another folder of them), filled in with `values` and the
 * devkit's string helpers, moved to `directory`. Specs are left out with `--no-spec`; a file that
 * already exists stops the whole schematic before anything is written.
 */
export function generateFiles(
  options: BaseOptions,
  directory: Path | string,
  values: Record<string, unknown>,
  templates = './files',
): Rule {
  return (tree) => {
    const source: Source = apply(url(templates), [
      options.spec === false ? filter((path) => !/\.__specFileSuffix__\.ts\.template$/.test(path)) : noop(),
      applyTemplates({ ...strings, specFileSuffix: options.specFileSuffix ?? 'spec', ...values }),
      move(directory),
      forEach((entry) => {
        if (tree.exists(entry.path)) throw SchematicsMessages.fileExists(entry.path);
        return entry;
      }),
    ]);
    return mergeWith(source);
  };
}

/** A file written by the schematic itself (not from a template), refused when it exists. */
export function createFile(path: string, content: string): Rule {
  return (tree) => {
    if (tree.exists(path)) throw SchematicsMessages.fileExists(path);
    tree.create(path, content);
    return tree;
  };
}

/**
 * Registers `symbol` (exported by the file `file`, without `.ts`) in the `@Module` array
 * `property` of `--module`, or of the nearest `*.module.ts` up from `from`.
 */
export function registerInModule(
  options: BaseOptions,
  from: Path,
  declaration: Omit<Declaration, 'from'> & { file: Path },
): Rule {
  return (tree: Tree, context: SchematicContext) => {
    if (options.skipImport) return tree;
    const module = locateModule(tree, options, from, normalize(`${declaration.file}.ts`));
    if (!module) {
      context.logger.warn(
        `No *.module.ts in ${from.replace(/^\//, '')} or above it: add ${declaration.symbol} to a module's ${declaration.property} yourself (or pass --module).`,
      );
      return tree;
    }
    let specifier = relative(dirname(module), declaration.file);
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    if (isEsmProject(tree)) specifier += '.js';
    const source = tree.readText(module);
    try {
      const edited = declareInModule(source, module, { ...declaration, from: specifier });
      if (edited !== source) tree.overwrite(module, edited);
    } catch (error) {
      if (error instanceof ModuleEditError) {
        throw error.reason === 'no-module-decorator'
          ? SchematicsMessages.noModuleDecorator(module)
          : SchematicsMessages.metadataNotArray(module, error.property ?? declaration.property);
      }
      throw error;
    }
    return tree;
  };
}

/** `--module` resolved, or the nearest module up from `from`; the module itself is never its own parent. */
export function locateModule(
  tree: Tree,
  options: BaseOptions,
  from: Path,
  except?: Path,
): Path | undefined {
  if (options.module) {
    const sourceRoot = options.sourceRoot ?? readSourceRoot(tree) ?? 'src';
    const found = resolveModuleOption(tree, options.module, sourceRoot);
    if (!found) throw SchematicsMessages.moduleNotFound(options.module);
    return found;
  }
  return findNearestModule(tree, from, except);
}

/**
 * Formats the TypeScript files this schematic created or changed with prettier, using the app's
 * `.prettierrc` (or package.json's `prettier`), when the app has one or `--format` asks for it.
 * Without prettier installed the files stay as generated.
 */
export function formatGenerated(options: BaseOptions): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const config = readPrettierConfig(tree);
    if (!config && !options.format) return tree;
    const touched = new Set(
      tree.actions
        .filter((action) => action.kind === 'c' || action.kind === 'o')
        .map((action) => action.path)
        .filter((path) => path.endsWith('.ts')),
    );
    for (const path of touched) {
      if (!tree.exists(path)) continue;
      const source = tree.readText(path);
      const formatted = await formatSource(source, path, config ?? {}, context);
      if (formatted === undefined) return tree; // no prettier: nothing more to try
      if (formatted !== source) tree.overwrite(path, formatted);
    }
    return tree;
  };
}

/** `/src/a/b` → `src/a/b`, for messages. */
export function display(path: string): string {
  return normalize(path).replace(/^\//, '');
}

