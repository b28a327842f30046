import {
  Command as Program,
  Option as ProgramOption,
  InvalidArgumentError,
  type OutputConfiguration,
} from 'commander';
import { LatticeError } from '../errors/lattice.error';
import type { DiscoveredCommand, DiscoveredOption } from './cli.explorer';
import type { CliOutput } from './cli.interfaces';
import { CliMessages } from './cli.messages';

/** What the program shows about itself. */
export interface ProgramSettings {
  name: string;
  description?: string;
  version?: string;
  output: CliOutput;
}

/**
 * A commander program with a subcommand per discovered command. Its parse errors are
 * thrown (exitOverride) instead of ending the process, so the caller chooses the exit code.
 */
export function buildProgram(commands: DiscoveredCommand[], settings: ProgramSettings): Program {
  const output: OutputConfiguration = {
    writeOut: (text) => settings.output.writeOut(text),
    writeErr: (text) => settings.output.writeErr(text),
  };
  const program = new Program(settings.name)
    .configureOutput(output)
    .exitOverride()
    .helpCommand('help [command]', 'Show the help of a command');
  if (settings.description) program.description(settings.description);
  if (settings.version) program.version(settings.version);

  const known = commands.flatMap((c) => [c.metadata.name, ...(c.metadata.aliases ?? [])]);
  // commander's own suggestion would come first; ours uses the same closest-name rule as every Lattice message.
  program.on('command:*', ([name]: string[]) => {
    throw CliMessages.unknownCommand(settings.name, name, known);
  });

  for (const { metadata, runner, options } of commands) {
    const command = program.command(metadata.name).description(metadata.description); // output and exitOverride are inherited
    if (metadata.arguments) command.arguments(metadata.arguments);
    if (metadata.aliases?.length) command.aliases(metadata.aliases);
    for (const option of options) command.addOption(toProgramOption(option));
    command.action(async () => {
      await runner.run([...command.args], command.opts());
    });
  }
  return program;
}

function toProgramOption(option: DiscoveredOption): ProgramOption {
  const result = new ProgramOption(option.flags, option.description);
  if (option.choices) result.choices(option.choices);
  if (option.defaultValue !== undefined) result.default(option.defaultValue);
  if (result.isBoolean()) return result; // a switch: true when given, the method is not called
  const checkChoice = result.parseArg;
  result.argParser((value: string, previous: unknown) => {
    const checked = checkChoice ? checkChoice<string>(value, previous as string) : value;
    try {
      return option.parse(checked, previous);
    } catch (error) {
      // commander prints it as "option '<flags>' argument '<value>' is invalid. <message>".
      throw new InvalidArgumentError(
        error instanceof LatticeError
          ? error.describe()
          : error instanceof Error
            ? error.message
            : String(error),
      );
    }
  });
  return result;
}
