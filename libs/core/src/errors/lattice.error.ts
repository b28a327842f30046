/**
 * The base of every error Lattice throws on purpose: a stable `code` to match on,
 * a message that says what went wrong, and a `hint` that says what to do about it.
 *
 * @example
 * throw new LatticeError('LATTICE_REDIS_NOT_CONFIGURED', 'Redis is not configured.', 'Set REDIS_URL.');
 */
export class LatticeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The message and the hint, as a person should read them (no stack). */
  describe(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }
}
