import type { Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { generateAndRegister } from '../utils/rules';

export type ComponentOptions = BaseOptions;

/**
 * A live component: `@Component({ name })` on a `ComponentService` with props, state, an `html`
 * template and an `@On` handler, listed in the module's providers (components are providers).
 */
export function main(options: ComponentOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    return generateAndRegister(options, target, {
      role: 'component',
      symbol: `${target.className}Component`,
      property: 'providers',
    });
  };
}
