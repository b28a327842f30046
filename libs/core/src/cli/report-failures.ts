import { LatticeError } from '../errors';

/**
 * For command-line commands: runs the work, prints a Lattice error as message + hint
 * (anything else with its stack) and sets exit code 1 instead of throwing.
 */
export async function reportFailures(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(
      `\n${error instanceof LatticeError ? error.describe() : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`,
    );
    process.exitCode = 1;
  }
}
