import { join, normalize, strings } from '@angular-devkit/core';
import { chain, type Rule, schematic } from '@angular-devkit/schematics';
import { SchematicsMessages } from '../schematics.messages';
import { generateFiles } from '../utils/rules';

export interface ApplicationOptions {
  /** The app's name: its folder (unless --directory) and package name. */
  name: string;
  /** Where to write it (default: a folder named after it). */
  directory?: string;
  /** Generate its tests (default true). */
  spec?: boolean;
}

/**
 * A new Lattice app, ready for `npm install && npm start`: LatticeModule on embedded SQLite and
 * in-process drivers (Redis and MySQL when their URLs are set), a live home page whose counter is
 * one state stream shared by every visitor, a job, Jest with unit, end-to-end and Chromium tests,
 * `.env.example`, `.ci/run`, docker-compose.yml for MySQL and Redis, and the Lattice schematics as
 * its nest-cli.json collection.
 */
export function main(options: ApplicationOptions): Rule {
  return () => {
    const name = strings.dasherize(options.name.trim().split('/').pop() ?? '');
    if (!/^[a-z]/.test(name)) throw SchematicsMessages.badName(options.name);
    const directory = normalize(`/${options.directory ?? name}`);
    const title = name
      .split('-')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' ');
    const spec = options.spec !== false;
    const sourceRoot = join(directory, 'src').slice(1);
    return chain([
      generateFiles({ name, spec }, directory, { name, title, dot: '.', spec }),
      schematic('state', { name: 'counter', sourceRoot, path: 'home', flat: true, spec }),
      schematic('job', {
        name: 'welcome',
        sourceRoot,
        path: 'home',
        flat: true,
        spec,
        queue: 'default',
      }),
    ]);
  };
}
