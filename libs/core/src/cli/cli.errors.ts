import { LatticeError } from '../errors/lattice.error';

/**
 * A command line that cannot be run as typed: the command layer prints its message and
 * hint and exits with code 2. Commands throw it for combinations their options cannot
 * express (`queue:retry` needs an id or `--all`).
 */
export class CliUsageError extends LatticeError {}
