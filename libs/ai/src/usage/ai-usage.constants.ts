/** Provide an `AiUsageStore` under this token to keep usage elsewhere than Redis or memory. */
export const AI_USAGE_STORE = Symbol('lattice:ai:usage-store');

/** Days of usage the shipped stores keep (Redis keys expire after it). */
export const AI_USAGE_RETENTION_DAYS = 90;

/** How often counted usage is written to the store, at most. */
export const AI_USAGE_FLUSH_MS = 1000;

/** Distinct keys held before a write is started without waiting for the timer. */
export const AI_USAGE_FLUSH_KEYS = 500;

/** Distinct keys kept while the store fails; beyond it the oldest counts are dropped. */
export const AI_USAGE_MAX_PENDING_KEYS = 10_000;
