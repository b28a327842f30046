import type { Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { generateAndRegister } from '../utils/rules';

export interface StateOptions extends BaseOptions {
  /** Where the streams are kept: `default` (StateModule's store), `memory`, `redis` or `sql`. */
  store?: 'default' | 'memory' | 'redis' | 'sql';
}

/** A `@StateDefinition` stream with its initial state and `@Apply` reducers, in the module's providers. */
export function main(options: StateOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    return generateAndRegister(
      options,
      target,
      { role: 'state', symbol: `${target.className}State`, property: 'providers' },
      { store: options.store && options.store !== 'default' ? options.store : '' },
    );
  };
}
