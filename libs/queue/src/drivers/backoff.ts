import type { BackoffOptions } from '../queue.interfaces';

/** BullMQ's built-in strategies, so both drivers wait the same between attempts. */
export function backoffDelay(backoff: BackoffOptions | undefined, attemptsMade: number): number {
  if (!backoff) return 0;
  const max =
    backoff.type === 'exponential'
      ? Math.round(2 ** (attemptsMade - 1) * backoff.delay)
      : backoff.delay;
  const jitter = backoff.jitter ?? 0;
  if (jitter <= 0) return max;
  return Math.floor(Math.random() * max * jitter + max * (1 - jitter));
}

export function normalizeBackoff(
  backoff: number | BackoffOptions | undefined,
): BackoffOptions | undefined {
  if (backoff === undefined) return undefined;
  return typeof backoff === 'number' ? { type: 'fixed', delay: backoff } : backoff;
}
