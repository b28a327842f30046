import { Injectable, Logger, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { LATTICE_CLI_COMMAND, LATTICE_CLI_OPTION } from './cli.constants';
import type { CommandMetadata, OptionMetadata } from './cli.interfaces';
import { CliMessages } from './cli.messages';
import { CommandRunner } from './command-runner';

/** An `@Option()` and the bound method that parses its value. */
export interface DiscoveredOption extends OptionMetadata {
  parse: (value: string, previous: unknown) => unknown;
}

/** A `@Command()` provider as the application context holds it. */
export interface DiscoveredCommand {
  metadata: CommandMetadata;
  runner: CommandRunner;
  options: DiscoveredOption[];
}

/** Finds every `@Command()` provider of the application, with its `@Option()` methods. */
@Injectable()
export class CliExplorer {
  private readonly logger = new Logger('LatticeCli');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** The commands sorted by name; throws when two share a name or alias. */
  explore(): DiscoveredCommand[] {
    const byName = new Map<string, { type: Type; command: DiscoveredCommand }>();
    const seen = new Set<Type>();
    for (const wrapper of this.discovery.getProviders()) {
      // A factory provider's metatype is its factory, not a command class.
      if (wrapper.inject || typeof wrapper.metatype !== 'function') continue;
      const type = wrapper.metatype as Type;
      const metadata = this.reflector.get<CommandMetadata | undefined>(LATTICE_CLI_COMMAND, type);
      if (!metadata || seen.has(type)) continue;
      seen.add(type);
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(CliMessages.commandNotStatic(type.name));
        continue;
      }
      const runner: unknown = wrapper.instance;
      if (!(runner instanceof CommandRunner)) throw CliMessages.notACommandRunner(type.name);
      const command = { metadata, runner, options: this.optionsOf(runner) };
      for (const name of [metadata.name, ...(metadata.aliases ?? [])]) {
        const other = byName.get(name);
        if (other) throw CliMessages.duplicateCommand(name, other.type.name, type.name);
        byName.set(name, { type, command });
      }
    }
    const commands = new Set([...byName.values()].map((entry) => entry.command));
    return [...commands].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  private optionsOf(runner: CommandRunner): DiscoveredOption[] {
    const prototype = Object.getPrototypeOf(runner) as Record<string, unknown>;
    // getAllMethodNames walks the prototype chain, so options of a shared base class count too.
    return this.scanner.getAllMethodNames(prototype).flatMap((method) => {
      const parse = prototype[method] as (value: string, previous: unknown) => unknown;
      const metadata = this.reflector.get<OptionMetadata | undefined>(LATTICE_CLI_OPTION, parse);
      return metadata ? [{ ...metadata, parse: parse.bind(runner) }] : [];
    });
  }
}
