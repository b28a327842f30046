import { join, normalize, relative } from '@angular-devkit/core';
import { chain, type Rule } from '@angular-devkit/schematics';
import { readSourceRoot, resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { formatGenerated, generateFiles, registerInModule } from '../utils/rules';

export type ModuleOptions = BaseOptions;

/** A Nest feature module, listed in the `imports` of the module above it. */
export function main(options: ModuleOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    // The spec compiles the module inside the app (a feature module needs the app's root modules).
    const root = join(
      normalize(`/${options.sourceRoot ?? readSourceRoot(tree) ?? 'src'}`),
      'app.module.ts',
    );
    let appModule = '';
    if (tree.exists(root) && !options.skipImport) {
      appModule = relative(target.directory, root).replace(/\.ts$/, '');
      if (!appModule.startsWith('.')) appModule = `./${appModule}`;
    }
    return chain([
      generateFiles(options, target.directory, { ...target, appModule }),
      registerInModule(options, target.directory, {
        symbol: `${target.className}Module`,
        property: 'imports',
        file: join(target.directory, `${target.name}.module`),
      }),
      formatGenerated(options),
    ]);
  };
}
