import { Logger } from '@nestjs/common';
import { LatticeError } from '../errors/lattice.error';

/**
 * For `bootstrap().catch(exitOnBootError)` in main.ts: a Lattice error (invalid
 * configuration, missing service) is printed as its message and hint, without a stack
 * trace; anything else is printed in full. Either way the process exits with code 1.
 *
 * Create the app with `{ bufferLogs: true, autoFlushLogs: false, abortOnError: false }`
 * and call `app.flushLogs()` once created, so Nest's own copy of the error is not printed twice.
 */
export function exitOnBootError(error: unknown): never {
  if (error instanceof LatticeError) {
    process.stderr.write(`\n${error.describe()}\n\n`);
  } else {
    Logger.flush();
    process.stderr.write(
      `\nThe application failed to start:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`,
    );
  }
  process.exit(1);
}
