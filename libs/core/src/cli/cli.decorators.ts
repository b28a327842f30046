import { SetMetadata } from '@nestjs/common';
import { LATTICE_CLI_COMMAND, LATTICE_CLI_OPTION } from './cli.constants';
import type { CommandMetadata, OptionMetadata } from './cli.interfaces';

/**
 * Makes a `CommandRunner` subclass a command of the Lattice command line. Register the
 * class as a provider of a module the CLI's root module imports.
 *
 * @example
 * @Command({ name: 'greet', arguments: '<who>', description: 'Say hello' })
 * export class GreetCommand extends CommandRunner {
 *   async run([who]: string[]): Promise<void> {
 *     process.stdout.write(`Hello, ${who}\n`);
 *   }
 * }
 */
export function Command(metadata: CommandMetadata): ClassDecorator {
  // Like any class decorator it makes TypeScript emit the constructor's parameter types, so no
  // @Injectable() is needed (and one here would reset a scope set with @Injectable({ scope })).
  return SetMetadata(LATTICE_CLI_COMMAND, metadata);
}

/**
 * Declares an option of the command; the decorated method receives the text given on the
 * command line (and the previous value, for repeated options) and returns the value `run()`
 * gets. An error it throws is a usage error (exit code 2) showing the error's message.
 * For a switch (`--dry-run`, no `<value>` in the flags) the method is not called: the value is `true`.
 *
 * @example
 * @Option({ flags: '-c, --count <n>', description: 'how many' })
 * parseCount(value: string): number {
 *   return Number(value);
 * }
 */
export function Option(metadata: OptionMetadata): MethodDecorator {
  return SetMetadata(LATTICE_CLI_OPTION, metadata);
}
