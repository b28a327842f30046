import { strings } from '@angular-devkit/core';
import { chain, type Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { addLatticeDependency } from '../utils/package-json';
import { generateAndRegister } from '../utils/rules';

export type PolicyOptions = BaseOptions;

/**
 * The authorization of one subject (`invoice`): which role may do what (for SecurityModule's
 * `authorization.permissions`), the `@Can` rules for handlers, and the `@ResourceOwners`
 * resolver that ownership rules (`update:invoice:own`) ask; the resolver joins the providers.
 * The policy imports @lattice/security, so the app's package.json gets it when it lacks it.
 */
export function main(options: PolicyOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    return chain([
      addLatticeDependency('@lattice/security'),
      generateAndRegister(
        options,
        target,
        { role: 'policy', symbol: `${target.className}Owners`, property: 'providers' },
        {
          camel: strings.camelize(target.name),
          constant: strings.underscore(target.name).toUpperCase(),
        },
      ),
    ]);
  };
}
