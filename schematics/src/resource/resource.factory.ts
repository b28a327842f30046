import { join, relative, strings } from '@angular-devkit/core';
import { chain, type Rule } from '@angular-devkit/schematics';
import { migrationsFolder } from '../migration/migration.factory';
import { SchematicsMessages } from '../schematics.messages';
import { readSourceRoot, resolveTarget, singularAndPlural } from '../utils/names';
import type { BaseOptions } from '../utils/options';
import { formatGenerated, generateFiles, registerInModule } from '../utils/rules';

/** Names the generated files import: an entity class of the same name gets an `Entity` suffix. */
const RESERVED = new Set([
  ...['Body', 'Column', 'Component', 'Controller', 'Delete', 'Entity', 'Get', 'HttpCode'],
  ...['Injectable', 'LatticeEntity', 'LivePage', 'Module', 'On', 'Param', 'Patch', 'Post', 'Query'],
]);

export interface ResourceOptions extends BaseOptions {
  /** The migrations' timestamp (default: now). */
  timestamp?: number;
  /** The JSON API's route prefix (default `api/<plural>`). */
  api?: string;
}

/**
 * A live CRUD feature in one go, like Nest's `resource` but live: an entity and its Lattice
 * repository, a migration for SQLite and one for MySQL, a service that tells live pages what
 * changed, a JSON controller with zod validation and paging, a live list page and edit form,
 * and an end-to-end test; its module is imported by the module above it.
 */
export function main(options: ResourceOptions): Rule {
  return (tree) => {
    const base = strings.dasherize(options.name.trim().split('/').pop() ?? '');
    if (!/[a-z]/.test(base)) throw SchematicsMessages.badName(options.name);
    const { singular, plural } = singularAndPlural(base);
    const folder = options.name.includes('/') ? options.name.replace(/[^/]+$/, plural) : plural;
    const target = resolveTarget(tree, { ...options, name: folder });
    const sourceRoot = options.sourceRoot ?? readSourceRoot(tree) ?? 'src';
    const migrations = migrationsFolder(tree, sourceRoot);
    const timestamp = options.timestamp ?? Date.now();
    const table = plural.replace(/-/g, '_');
    const migrationName = `create-${plural}-table`;
    const migrationClass = `${strings.classify(migrationName)}${timestamp}`;
    let sqliteMigration: string = relative(
      target.directory,
      join(migrations, 'sqlite', `${timestamp}-${migrationName}`),
    );
    if (!sqliteMigration.startsWith('.')) sqliteMigration = `./${sqliteMigration}`;
    // An entity named like a decorator the templates import (Post, Query, Module…) would shadow it.
    const entityClass = RESERVED.has(strings.classify(singular))
      ? `${strings.classify(singular)}Entity`
      : strings.classify(singular);
    const values = {
      entityClass,
      singular,
      plural,
      entity: strings.classify(singular),
      entities: strings.classify(plural),
      camel: strings.camelize(singular),
      camels: strings.camelize(plural),
      constant: strings.underscore(singular).toUpperCase(),
      table,
      api: (options.api ?? `api/${plural}`).replace(/^\/+|\/+$/g, ''),
      route: plural,
      migrationClass,
      sqliteMigration,
      timestamp,
      migrationName,
    };
    return chain([
      generateFiles(options, target.directory, values),
      generateFiles({ ...options, spec: false }, migrations, values, './migrations'),
      registerInModule(options, target.directory, {
        symbol: `${values.entities}Module`,
        property: 'imports',
        file: join(target.directory, `${plural}.module`),
      }),
      formatGenerated(options),
    ]);
  };
}
