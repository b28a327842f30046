import { join, normalize, type Path } from '@angular-devkit/core';
import type { Tree } from '@angular-devkit/schematics';

/**
 * The nearest `*.module.ts` at `from` or in a folder above it, as Nest's `module` option finds
 * it: a feature's files join the feature's module, the rest the app's.
 */
export function findNearestModule(tree: Tree, from: Path, except?: Path): Path | undefined {
  let directory = tree.getDir(from);
  for (;;) {
    const module = directory.subfiles.find(
      (file) => /\.module\.ts$/.test(file) && join(directory.path, file) !== except,
    );
    if (module) return join(directory.path, module);
    if (!directory.parent) return undefined;
    directory = directory.parent;
  }
}

/** `--module` as a path from the app's root; `chat` and `chat/chat.module` are accepted too. */
export function resolveModuleOption(
  tree: Tree,
  module: string,
  sourceRoot: string,
): Path | undefined {
  const candidates = [
    module,
    `${module}.ts`,
    `${module}.module.ts`,
    `${module}/${basenameOf(module)}.module.ts`,
  ];
  for (const candidate of candidates.flatMap((c) => [c, join(normalize(sourceRoot), c)])) {
    const path = normalize(`/${candidate}`);
    if (path.endsWith('.ts') && tree.exists(path)) return path;
  }
  return undefined;
}

function basenameOf(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}
