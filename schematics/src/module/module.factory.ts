import { join } from '@angular-devkit/core';
import { chain, type Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { formatGenerated, generateFiles, registerInModule } from '../utils/rules';

export type ModuleOptions = BaseOptions;

/** A Nest feature module, listed in the `imports` of the module above it. */
export function main(options: ModuleOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    return chain([
      generateFiles(options, target.directory, target),
      registerInModule(options, target.directory, {
        symbol: `${target.className}Module`,
        property: 'imports',
        file: join(target.directory, `${target.name}.module`),
      }),
      formatGenerated(options),
    ]);
  };
}
