import { Logger, Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommanderError } from 'commander';
import { LatticeError } from '../errors/lattice.error';
import { CliExitCode } from './cli.constants';
import { CliUsageError } from './cli.errors';
import { CliExplorer } from './cli.explorer';
import type { CliOutput, LatticeCliOptions } from './cli.interfaces';
import { CliMessages } from './cli.messages';
import { buildProgram } from './cli.program';
import { LatticeCliModule } from './lattice-cli.module';

const processOutput: CliOutput = {
  writeOut: (text) => void process.stdout.write(text),
  writeErr: (text) => void process.stderr.write(text),
};

/**
 * Runs a command line over a Nest application: creates an application context of
 * `rootModule` (no HTTP server), finds every `@Command()` provider, runs the command named
 * in `argv` and closes the application. Resolves with the exit code, also set as
 * `process.exitCode`: 0 success, 1 failure (a `LatticeError` prints its message and hint,
 * anything else its stack), 2 usage error (unknown command or option, missing argument,
 * bad option value; the closest command name is suggested).
 *
 * @example
 * // src/cli.ts
 * import { runLatticeCli } from '@lattice/core/cli';
 * void runLatticeCli(CliModule);
 */
export async function runLatticeCli(
  rootModule: Type,
  options: LatticeCliOptions = {},
): Promise<number> {
  const name = options.name ?? 'lattice';
  const output = options.output ?? processOutput;
  let app: INestApplicationContext;
  try {
    app = await createContext(rootModule, options);
  } catch (error) {
    output.writeErr(describeFailure(error, CliMessages.startFailed(name)));
    return exit(CliExitCode.Failure);
  }

  let code: number;
  process.exitCode = undefined; // so that a code set now is this command's (see exit())
  try {
    const program = buildProgram(app.get(CliExplorer).explore(), { ...options, name, output });
    await program.parseAsync([...(options.argv ?? process.argv.slice(2))], { from: 'user' });
    code = CliExitCode.Success;
  } catch (error) {
    code = exitCodeOf(error);
    // commander has printed its own errors; the rest are printed here.
    if (!(error instanceof CommanderError)) output.writeErr(describeFailure(error));
  }
  try {
    await app.close();
  } catch (error) {
    output.writeErr(describeFailure(error));
    code = CliExitCode.Failure;
  }
  return exit(code);
}

async function createContext(
  rootModule: Type,
  options: LatticeCliOptions,
): Promise<INestApplicationContext> {
  @Module({ imports: [rootModule, LatticeCliModule] })
  class LatticeCliHostModule {}

  // Buffered so that a failed start prints one report, not Nest's copy of the error as well.
  const app = await NestFactory.createApplicationContext(LatticeCliHostModule, {
    logger: options.logger ?? ['error', 'warn'],
    bufferLogs: true,
    autoFlushLogs: false,
    abortOnError: false,
  });
  app.flushLogs();
  return app;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError)
    return error.exitCode === 0 ? CliExitCode.Success : CliExitCode.Usage;
  return error instanceof CliUsageError ? CliExitCode.Usage : CliExitCode.Failure;
}

function describeFailure(error: unknown, heading?: string): string {
  if (error instanceof LatticeError) return `${error.describe()}\n`;
  Logger.flush(); // what Nest logged on the way may explain it
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return heading ? `${heading}\n${detail}\n` : `${detail}\n`;
}

/** A command may set process.exitCode itself to fail after printing its own report. */
function exit(code: number): number {
  const own = Number(process.exitCode ?? 0);
  const result = code === CliExitCode.Success && own ? own : code;
  process.exitCode = result;
  return result;
}
