/**
 * Waiting in tests: wait for the condition, never for a duration. A test that sleeps a guessed
 * number of milliseconds passes on an idle laptop and fails on a loaded CI box; a test that polls
 * for the thing it expects passes as soon as the thing happens and fails (with a message saying
 * what never happened) only when it really does not.
 */

/**
 * How long a condition may take on a loaded two-core machine before the test gives up. Generous
 * on purpose: a passing test returns as soon as the condition holds, so only a failing test ever
 * waits this long.
 */
export const CONDITION_TIMEOUT_MS = 15_000;

/**
 * How long a child process (a TypeScript entry point run through @swc-node/register, which loads
 * NestJS, TypeORM, ioredis… from cold) may take to print that it is ready on a loaded machine.
 */
export const PROCESS_START_MS = 60_000;

/** A Jest timeout for a test that starts child processes: startup plus the test's own work. */
export const PROCESS_TEST_MS = 150_000;

/** What a truthy check returns: `T` without the falsy values that mean "not yet". */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export interface WaitForOptions {
  /** What is awaited, for the failure message ("the job to finish"); a function is read at failure. */
  what?: string | (() => string);
  /** Give up after this long; default {@link CONDITION_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Pause between two checks; default 20 ms. */
  intervalMs?: number;
}

/**
 * Polls `condition` until it returns something truthy (not `false`, `undefined`, `null`, `0` or
 * `''`) and returns that value. A condition that throws counts as "not yet"; the last error (or the
 * last value) is in the failure message when the deadline passes.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Truthy<T>> {
  const { what = 'the condition', timeoutMs = CONDITION_TIMEOUT_MS, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      const subject = typeof what === 'function' ? what() : what;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${subject} (last: ${detail}).`);
    }
    await pause(intervalMs);
  }
}

/**
 * Runs `assertion` (usually a few `expect`s) until it stops throwing, and rethrows its last
 * failure when the deadline passes, so the test fails with the real expectation message.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  options: Omit<WaitForOptions, 'what'> = {},
): Promise<T> {
  const { timeoutMs = CONDITION_TIMEOUT_MS, intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await pause(intervalMs);
  }
}

/**
 * Yields for `ms` milliseconds. Only for pacing (spacing out actions a test performs), never as a
 * guess that something has happened by then: use {@link waitFor} or {@link eventually} for that.
 */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
