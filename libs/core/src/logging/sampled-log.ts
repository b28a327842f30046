/** The parts of a Nest `Logger` a `SampledLog` writes to. */
export interface SampledLogTarget {
  warn(message: string): unknown;
  debug?(message: string): unknown;
}

export interface SampledLogOptions {
  /** At most one warning per kind in this many milliseconds (default 60 000). */
  everyMs?: number;
  /** The clock (tests pass their own). */
  now?: () => number;
}

/**
 * Client mistakes (a malformed frame, a duplicate sign-up, a bad request) for the log, in a way
 * a client cannot flood: one warning per kind and period, saying how many more were suppressed
 * since the last one; the others go to debug. They are never errors: an error means the server is
 * wrong. Kinds are a few constants of the code, never text from the request.
 *
 * @example
 * private readonly mistakes = new SampledLog(new Logger('Socket'));
 * this.mistakes.warn('bad-frame', `A client sent a malformed frame: ${reason}`);
 */
export class SampledLog {
  private readonly everyMs: number;
  private readonly now: () => number;
  private readonly kinds = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly target: SampledLogTarget,
    options: SampledLogOptions = {},
  ) {
    this.everyMs = options.everyMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** A warning, unless one of this kind went out within the period (then debug, and counted). */
  warn(kind: string, message: string): void {
    const now = this.now();
    const seen = this.kinds.get(kind);
    if (seen && now - seen.at < this.everyMs) {
      seen.suppressed += 1;
      this.target.debug?.(message);
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.kinds.set(kind, { at: now, suppressed: 0 });
    this.target.warn(
      suppressed > 0
        ? `${message} (and ${suppressed} more of "${kind}" since the last warning)`
        : message,
    );
  }
}
