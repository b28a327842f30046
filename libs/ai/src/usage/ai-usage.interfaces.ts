import type { AiOperation } from '../ai.interfaces';
import type { AiOutcomeKind } from './ai-call-outcome';

/** What usage is counted by: one set of counters per distinct key. */
export interface AiUsageKey {
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  provider: string;
  model: string;
  operation: AiOperation;
  outcome: AiOutcomeKind;
  /** The call's `user`, or `-` for calls made for no one. */
  user: string;
}

/** The dimensions a summary can group by. */
export type AiUsageDimension = keyof AiUsageKey;

/** The counters of one key. */
export interface AiUsageCounts {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  cacheHits: number;
  /** Calls per latency bucket (`AI_USAGE_LATENCY_BUCKETS_MS`, then one for slower). */
  latency: number[];
}

export interface AiUsageEntry {
  key: AiUsageKey;
  counts: AiUsageCounts;
}

/**
 * Where usage is kept. `add` must be atomic per counter (two processes add at once), `read`
 * returns every entry of the given days. Shipped: Redis hashes (`RedisAiUsageStore`, when
 * REDIS_URL is set) and process memory (`MemoryAiUsageStore`); provide another under
 * `AI_USAGE_STORE` (an SQL table, a metrics backend).
 */
export interface AiUsageStore {
  /** Short, for messages: `redis`, `memory`. */
  readonly kind: string;
  /** False when another process (`lattice ai:usage`) cannot see what this one adds. */
  readonly shared: boolean;
  add(entries: AiUsageEntry[]): Promise<void>;
  read(days: string[]): Promise<AiUsageEntry[]>;
}

/** `AiUsage.summary()`'s question. */
export interface AiUsageQuery {
  /** First day counted (a Date or `YYYY-MM-DD`, UTC); default `days` before `to`. */
  from?: Date | string;
  /** Last day counted, inclusive; default today. */
  to?: Date | string;
  /** Days counted when `from` is not given (default 7, today included). */
  days?: number;
  /** One row per distinct value of these (default `['day', 'model', 'user']`); `[]` for one total row. */
  groupBy?: AiUsageDimension[];
  /** Only these calls. */
  where?: Partial<Omit<AiUsageKey, 'day'>>;
}

/** One row of a summary: the grouped dimensions, then totals. */
export interface AiUsageRow extends Partial<AiUsageKey> {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cost: number;
  cacheHits: number;
  /** `cacheHits / calls`, 0 without calls. */
  cacheHitRate: number;
  /** Calls that failed at a provider or on the way. */
  errors: number;
  /** Calls the app refused before sending (a plugin's block, a budget). */
  refused: number;
  /**
   * Latency percentiles, as the upper bound of the histogram bucket they fall in (so "≤ 250 ms");
   * `Infinity` when slower than the last bound.
   */
  p50Ms: number;
  p95Ms: number;
  latency: number[];
}
