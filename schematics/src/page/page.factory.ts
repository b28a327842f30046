import { join, strings } from '@angular-devkit/core';
import { chain, type Rule } from '@angular-devkit/schematics';
import { resolveTarget } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { formatGenerated, generateFiles, registerInModule } from '../utils/rules';

export interface PageOptions extends BaseOptions {
  /** The URL path (default: the name, `chat/counter`). */
  route?: string;
  /** An existing component to render; without it a component named after the page is generated. */
  component?: string;
  /** The `@Layout` to render the page in. */
  layout?: string;
  /** The page title (default: the name in words). */
  title?: string;
}

/**
 * A page: a controller whose `@Get` route is a `@LivePage` rendering a live component, listed in
 * the module's controllers; with no `--component`, the component too (in its providers).
 */
export function main(options: PageOptions): Rule {
  return (tree) => {
    const target = resolveTarget(tree, options);
    const ownComponent = !options.component;
    const component = strings.dasherize(options.component ?? target.name);
    const route = (
      options.route ?? options.name.split('/').map(strings.dasherize).join('/')
    ).replace(/^\/+/, '');
    const title = options.title ?? sentence(target.name);
    const values = {
      ...target,
      component,
      ownComponent,
      route,
      title,
      layout: options.layout ?? '',
    };
    return chain([
      generateFiles(options, target.directory, values),
      ownComponent
        ? generateFiles(options, target.directory, { ...target }, '../component/files')
        : (t) => t,
      ownComponent
        ? registerInModule(options, target.directory, {
            symbol: `${target.className}Component`,
            property: 'providers',
            file: join(target.directory, `${target.name}.component`),
          })
        : (t) => t,
      registerInModule(options, target.directory, {
        symbol: `${target.className}Page`,
        property: 'controllers',
        file: join(target.directory, `${target.name}.page`),
      }),
      formatGenerated(options),
    ]);
  };
}

/** `user-profile` → `User profile`. */
function sentence(name: string): string {
  const words = name.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
