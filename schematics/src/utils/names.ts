import { basename, dirname, join, normalize, type Path, strings } from '@angular-devkit/core';
import type { Tree } from '@angular-devkit/schematics';
import type { BaseOptions } from './options';

/** Where a schematic writes and what it calls things. */
export interface Target {
  /** kebab-case file name stem: `user-profile`. */
  name: string;
  /** PascalCase class name stem: `UserProfile`. */
  className: string;
  /** The folder the files go into, from the tree's root: `/src/user-profile`. */
  directory: Path;
}

/**
 * Resolves `name` (which may carry folders, `chat/counter`) against `--path` and the app's
 * source root, the way Nest's schematics do: `/src/chat/counter` unless `--flat`.
 */
export function resolveTarget(tree: Tree, options: BaseOptions, folder?: string): Target {
  const raw = options.name.trim();
  if (!raw || /^[./\\]+$/.test(raw)) {
    throw new Error(
      `"${options.name}" is not a name. Give one such as "counter" or "chat/counter".`,
    );
  }
  const name = strings.dasherize(basename(normalize(raw)));
  const sourceRoot = options.sourceRoot ?? readSourceRoot(tree) ?? 'src';
  const base = join(normalize('/'), sourceRoot, options.path ?? '', folder ?? '');
  const parent = join(base, dirname(normalize(raw)).split('/').map(strings.dasherize).join('/'));
  const directory = options.flat ? parent : join(parent, name);
  return { name, className: strings.classify(name), directory };
}

/** nest-cli.json's `sourceRoot`, when the app has one. */
export function readSourceRoot(tree: Tree): string | undefined {
  const file = tree.read('/nest-cli.json');
  if (!file) return undefined;
  try {
    const config = JSON.parse(file.toString('utf8')) as { sourceRoot?: unknown };
    return typeof config.sourceRoot === 'string' ? config.sourceRoot : undefined;
  } catch {
    return undefined;
  }
}

/** True when the nearest package.json at or above `from` says `"type": "module"` (imports then end in `.js`). */
export function isEsmProject(tree: Tree, from = '/'): boolean {
  for (let dir = from.replace(/\/+$/, ''); ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    const file = tree.read(`${dir}/package.json`);
    if (file) {
      try {
        return (JSON.parse(file.toString('utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (!dir) return false;
  }
}

/** English singular and plural of a kebab-case name, for resources: `post`/`posts`, `category`/`categories`. */
export function singularAndPlural(name: string): { singular: string; plural: string } {
  const last = name.split('-').pop() ?? name;
  const head = name.slice(0, name.length - last.length);
  let singular = last;
  if (/[^aeiou]ies$/.test(last)) singular = last.slice(0, -3) + 'y';
  else if (/(s|x|z|ch|sh)es$/.test(last)) singular = last.slice(0, -2);
  else if (/[^s]s$/.test(last)) singular = last.slice(0, -1);
  let plural: string;
  if (/[^aeiou]y$/.test(singular)) plural = singular.slice(0, -1) + 'ies';
  else if (/(s|x|z|ch|sh)$/.test(singular)) plural = singular + 'es';
  else plural = singular + 's';
  return { singular: head + singular, plural: head + plural };
}
