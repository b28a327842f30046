import type { Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { generateAndRegister } from '../utils/rules';

export interface LayoutOptions extends BaseOptions {
  /** A layout this one renders inside (a section layout inside the site layout). */
  parent?: string;
}

/** A `@Layout` around pages (header, main, footer), listed in the module's providers. */
export function main(options: LayoutOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    return generateAndRegister(
      options,
      target,
      { role: 'layout', symbol: `${target.className}Layout`, property: 'providers' },
      { parent: options.parent ?? '' },
    );
  };
}
