/**
 * Upper bounds (ms) of the latency histogram's buckets; one more bucket counts the slower calls.
 * Fixed, so that counts from any process and any day add up.
 */
export const AI_USAGE_LATENCY_BUCKETS_MS: readonly number[] = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
];

/** An empty histogram. */
export function emptyHistogram(): number[] {
  return new Array<number>(AI_USAGE_LATENCY_BUCKETS_MS.length + 1).fill(0);
}

/** The index of the bucket `ms` falls in. */
export function bucketOf(ms: number): number {
  const index = AI_USAGE_LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? AI_USAGE_LATENCY_BUCKETS_MS.length : index;
}

/** Adds `from` into `into`, bucket by bucket. */
export function addHistogram(into: number[], from: readonly number[]): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i] ?? 0;
}

/**
 * The upper bound of the bucket holding quantile `q` (0.5 for the median), or `Infinity` when it
 * is the overflow bucket; 0 for an empty histogram.
 */
export function quantileMs(histogram: readonly number[], q: number): number {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= rank) return AI_USAGE_LATENCY_BUCKETS_MS[i] ?? Infinity;
  }
  return Infinity;
}
