import { dirname, join, normalize, type Path, relative, strings } from '@angular-devkit/core';
import {
  apply,
  applyTemplates,
  chain,
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
import { formatSources, readPrettierConfig } from './format';
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
      options.spec === false
        ? filter((path) => !/\.__specFileSuffix__\.ts\.template$/.test(path))
        : noop(),
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
    let specifier: string = relative(dirname(module), declaration.file);
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    if (isEsmProject(tree, dirname(module))) specifier += '.js';
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
  return (tree: Tree, context: SchematicContext) => {
    const files: Record<string, string> = {};
    for (const action of tree.actions) {
      if (
        (action.kind === 'c' || action.kind === 'o') &&
        action.path.endsWith('.ts') &&
        tree.exists(action.path)
      ) {
        files[action.path] = tree.readText(action.path);
      }
    }
    const first = Object.keys(files)[0];
    if (!first) return tree;
    const config = readPrettierConfig(tree, dirname(normalize(first)));
    if (!config && !options.format) return tree;
    const formatted = formatSources(files, config ?? {}, context);
    for (const [path, source] of Object.entries(formatted ?? {})) {
      if (source !== files[path]) tree.overwrite(path, source);
    }
    return tree;
  };
}

/** `/src/a/b` → `src/a/b`, for messages. */
export function display(path: string): string {
  return normalize(path).replace(/^\//, '');
}

/**
 * The usual shape of a schematic: its templates into the target folder, then one class of them
 * in a module array, then prettier. `role` is the file's role (`component` for
 * `counter.component.ts`) and `symbol` the class to register.
 */
export function generateAndRegister(
  options: BaseOptions,
  target: { name: string; className: string; directory: Path },
  registration: { role: string; symbol: string; property: Declaration['property'] },
  values: Record<string, unknown> = {},
): Rule {
  return chain([
    generateFiles(options, target.directory, { ...target, ...values }),
    registerInModule(options, target.directory, {
      symbol: registration.symbol,
      property: registration.property,
      file: join(target.directory, `${target.name}.${registration.role}`),
    }),
    formatGenerated(options),
  ]);
}
