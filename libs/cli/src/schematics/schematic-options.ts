import type { SchemaProperty, SchematicDescription } from './collection';

/** Options nest g passes to every schematic, which the command line does not offer. */
const NOT_OFFERED = new Set(['language', 'collection', 'project']);

/** A command-line option made from a schema property. */
export interface SchematicFlag {
  /** The schema property it sets. */
  property: string;
  /** commander's flags: `--skip-import`, `--path <value>`. */
  flags: string;
  description: string;
  /** For booleans that default to true: the `--no-<name>` switch instead. */
  negate: boolean;
  choices?: string[];
}

/** `skipImport` → `skip-import`. */
export function kebab(name: string): string {
  return name.replace(/([a-z\d])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `skip-import` → `skipImport`, as commander names the option's value. */
export function camel(name: string): string {
  return name.replace(/-([a-z\d])/g, (_, c: string) => c.toUpperCase());
}

/** The positional argument of a schematic: the property filled from argv index 0 (its name). */
export function positionalOf(schematic: SchematicDescription): string | undefined {
  return Object.entries(schematic.properties).find(
    ([, p]) => p.$default?.$source === 'argv' && (p.$default.index ?? 0) === 0,
  )?.[0];
}

function isBoolean(property: SchemaProperty): boolean {
  return (
    property.type === 'boolean' ||
    (Array.isArray(property.type) && property.type.includes('boolean'))
  );
}

/**
 * The options of `lattice make:<schematic>`, one per schema property, named as `nest g` names
 * them: `--skip-import`, `--flat`, `--no-spec` (a boolean that defaults to true), `--path <value>`.
 */
export function flagsOf(schematic: SchematicDescription): SchematicFlag[] {
  const positional = positionalOf(schematic);
  return Object.entries(schematic.properties)
    .filter(([name, p]) => name !== positional && !NOT_OFFERED.has(name) && p.visible !== false)
    .map(([property, p]) => {
      const name = kebab(property);
      const negate = isBoolean(p) && p.default === true;
      const flags = isBoolean(p) ? (negate ? `--no-${name}` : `--${name}`) : `--${name} <value>`;
      const choices = p.enum?.map(String);
      return { property, flags, description: p.description ?? '', negate, choices };
    });
}

/**
 * The schematic's options from what commander parsed: the positional argument under its
 * property's name, and each given flag under its property (`--no-spec` → `spec: false`,
 * `--skip-import` → `skipImport: true`). Flags not given are left out, so the schema's
 * defaults apply (as with `nest g`).
 */
export function schematicOptions(
  schematic: SchematicDescription,
  args: string[],
  parsed: Record<string, unknown>,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const positional = positionalOf(schematic);
  if (positional && args[0] !== undefined) options[positional] = args[0];
  for (const flag of flagsOf(schematic)) {
    const value = parsed[camel(kebab(flag.property))];
    if (value === undefined) continue;
    if (flag.negate && value === true) continue; // commander's default for a --no- switch
    options[flag.property] = coerce(schematic.properties[flag.property], value);
  }
  return options;
}

/** A number-typed property gets a number; the rest stay as commander gives them. */
function coerce(property: SchemaProperty, value: unknown): unknown {
  if ((property.type === 'number' || property.type === 'integer') && typeof value === 'string') {
    const n = Number(value);
    return Number.isNaN(n) ? value : n;
  }
  return value;
}
