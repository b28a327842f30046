import { AI_USAGE_LATENCY_BUCKETS_MS } from '../usage/ai-usage.histogram';

/** The table `SqlAiUsageStore` keeps usage in (`AiUsageDayEntity`). */
export const AI_USAGE_TABLE = 'lattice_ai_usage';

/** The key's columns, in the primary key's order, and the longest value each takes. */
export const AI_USAGE_KEY_COLUMNS = [
  { column: 'day', field: 'day', length: 10 },
  { column: 'provider', field: 'provider', length: 64 },
  { column: 'model', field: 'model', length: 190 },
  { column: 'operation', field: 'operation', length: 20 },
  { column: 'outcome', field: 'outcome', length: 10 },
  { column: 'user_id', field: 'user', length: 190 },
] as const;

/** The latency histogram's columns, one per bucket of `AI_USAGE_LATENCY_BUCKETS_MS`, then slower. */
export const AI_USAGE_LATENCY_COLUMNS: readonly string[] = [
  ...AI_USAGE_LATENCY_BUCKETS_MS.map((bound) => `latency_le_${bound}`),
  'latency_slower',
];

/** Rows per INSERT: far under SQLite's 32,766 and MySQL's 65,535 placeholders (26 a row). */
export const AI_USAGE_ROWS_PER_STATEMENT = 500;
