import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { installedPackageDir, readManifest } from '../discovery/app-package';

/** The collection `make:*` and `new` run when none is named. */
export const DEFAULT_COLLECTION = '@lattice/schematics';

/** One property of a schematic's schema.json, as far as the command line needs it. */
export interface SchemaProperty {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  alias?: string;
  $default?: { $source?: string; index?: number };
  visible?: boolean;
  'x-deprecated'?: unknown;
}

/** A schematic of the collection, with the options of its schema.json. */
export interface SchematicDescription {
  name: string;
  description: string;
  aliases: string[];
  properties: Record<string, SchemaProperty>;
  required: string[];
}

/** A collection found on disk: its collection.json and its own schematics. */
export interface ResolvedCollection {
  /** What the workflow is given: the collection.json's path. */
  path: string;
  schematics: SchematicDescription[];
}

interface CollectionJson {
  schematics: Record<
    string,
    {
      description?: string;
      schema?: string;
      aliases?: string[];
      hidden?: boolean;
      private?: boolean;
    }
  >;
}

/**
 * The collection.json of `collection` (a package name, or a path to a collection.json), looked
 * up from each of `from` in turn; undefined when it is not installed.
 */
export function findCollection(collection: string, from: string[]): string | undefined {
  if (collection.endsWith('.json') || isAbsolute(collection) || collection.startsWith('.')) {
    const path = resolve(from[0] ?? process.cwd(), collection);
    return existsSync(path) ? path : undefined;
  }
  for (const dir of from) {
    const packageDir = installedPackageDir(dir, collection);
    const schematics = packageDir && readManifest(join(packageDir, 'package.json')).schematics;
    if (packageDir && schematics) return join(packageDir, schematics);
  }
  return undefined;
}

/** The collection's own schematics (not those it extends), without hidden and private ones. */
export function readCollection(path: string): ResolvedCollection {
  const json = JSON.parse(readFileSync(path, 'utf8')) as CollectionJson;
  const schematics = Object.entries(json.schematics)
    .filter(([, entry]) => !entry.hidden && !entry.private)
    .map(([name, entry]) => {
      const schema = entry.schema
        ? (JSON.parse(readFileSync(join(dirname(path), entry.schema), 'utf8')) as {
            properties?: Record<string, SchemaProperty>;
            required?: string[];
          })
        : {};
      return {
        name,
        description: entry.description ?? '',
        aliases: entry.aliases ?? [],
        properties: schema.properties ?? {},
        required: schema.required ?? [],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { path, schematics };
}
