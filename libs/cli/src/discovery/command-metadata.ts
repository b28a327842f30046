import type { Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import {
  LATTICE_CLI_COMMAND,
  LATTICE_CLI_OPTION,
  type CommandMetadata,
  type OptionMetadata,
} from '@lattice/core/cli';

/** A command as its decorators describe it, read without creating the application. */
export interface CommandDescription {
  metadata: CommandMetadata;
  options: OptionMetadata[];
}

/** Whether a value is a class decorated with `@Module()`. */
export function isNestModule(value: unknown): value is Type {
  return (
    typeof value === 'function' &&
    (Reflect.hasOwnMetadata(MODULE_METADATA.PROVIDERS, value) ||
      Reflect.hasOwnMetadata(MODULE_METADATA.IMPORTS, value))
  );
}

/**
 * The `@Command()` classes among a module's providers and those of the modules it imports
 * (dynamic modules included), sorted by name: what `--help` lists before anything boots.
 */
export function commandsOf(root: Type): CommandDescription[] {
  const found = new Map<Type, CommandDescription>();
  const seen = new Set<unknown>();
  const visit = (entry: unknown): void => {
    if (!entry || seen.has(entry)) return;
    seen.add(entry);
    // A dynamic module (`{ module, providers, imports }`), or forwardRef(() => Module).
    if (typeof entry === 'object') {
      const dynamic = entry as {
        module?: Type;
        providers?: unknown[];
        imports?: unknown[];
        forwardRef?: () => unknown;
      };
      if (dynamic.forwardRef) return visit(dynamic.forwardRef());
      if (dynamic.module) visit(dynamic.module);
      dynamic.providers?.forEach(addProvider);
      dynamic.imports?.forEach(visit);
      return;
    }
    if (!isNestModule(entry)) return;
    const metadata = (key: string) => (Reflect.getMetadata(key, entry) as unknown[]) ?? [];
    metadata(MODULE_METADATA.PROVIDERS).forEach(addProvider);
    metadata(MODULE_METADATA.IMPORTS).forEach(visit);
  };
  const addProvider = (provider: unknown): void => {
    const type = typeof provider === 'function' ? (provider as Type) : undefined;
    if (!type || found.has(type)) return;
    const metadata = Reflect.getMetadata(LATTICE_CLI_COMMAND, type) as CommandMetadata | undefined;
    if (metadata) found.set(type, { metadata, options: optionsOf(type) });
  };
  visit(root);
  return [...found.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The `@Option()` methods of a command class and its base classes. */
function optionsOf(type: Type): OptionMetadata[] {
  const options: OptionMetadata[] = [];
  const names = new Set<string>();
  for (let proto = type.prototype as object | null; proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || names.has(name)) continue;
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (typeof value !== 'function') continue;
      names.add(name); // an override hides its base's method, as at run time
      const option = Reflect.getMetadata(LATTICE_CLI_OPTION, value) as OptionMetadata | undefined;
      if (option) options.push(option);
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return options;
}
