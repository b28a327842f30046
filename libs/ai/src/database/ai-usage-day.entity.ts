import { Column, Entity, PrimaryColumn } from 'typeorm';
import { AI_USAGE_TABLE } from './ai-usage-database.constants';

/**
 * One day's counts of AI calls for one key (day, provider, model, operation, outcome, user): the
 * `lattice_ai_usage` table `SqlAiUsageStore` adds to with one upsert per flush. Column names are
 * explicit, so the store's SQL does not depend on the app's naming strategy. Errors and refusals
 * are the `calls` of the rows whose outcome is `error` or `refused`.
 */
@Entity(AI_USAGE_TABLE)
export class AiUsageDayEntity {
  /** UTC day, `YYYY-MM-DD`. */
  @PrimaryColumn({ name: 'day', type: 'varchar', length: 10 })
  day: string;

  @PrimaryColumn({ name: 'provider', type: 'varchar', length: 64 })
  provider: string;

  @PrimaryColumn({ name: 'model', type: 'varchar', length: 190 })
  model: string;

  @PrimaryColumn({ name: 'operation', type: 'varchar', length: 20 })
  operation: string;

  /** `ok`, `error` or `refused`. */
  @PrimaryColumn({ name: 'outcome', type: 'varchar', length: 10 })
  outcome: string;

  /** The call's `user`, or `-`. */
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 190 })
  userId: string;

  @Column({ name: 'calls', type: 'bigint', default: 0 })
  calls: number;

  @Column({ name: 'prompt_tokens', type: 'bigint', default: 0 })
  promptTokens: number;

  @Column({ name: 'completion_tokens', type: 'bigint', default: 0 })
  completionTokens: number;

  /** In the models' currency (dollars for the shipped prices). */
  @Column({ name: 'cost', type: 'double', default: 0 })
  cost: number;

  @Column({ name: 'cache_hits', type: 'bigint', default: 0 })
  cacheHits: number;

  // Calls per latency bucket: at most N ms (AI_USAGE_LATENCY_BUCKETS_MS), then slower.
  @Column({ name: 'latency_le_1', type: 'bigint', default: 0 })
  latencyLe1: number;

  @Column({ name: 'latency_le_5', type: 'bigint', default: 0 })
  latencyLe5: number;

  @Column({ name: 'latency_le_10', type: 'bigint', default: 0 })
  latencyLe10: number;

  @Column({ name: 'latency_le_25', type: 'bigint', default: 0 })
  latencyLe25: number;

  @Column({ name: 'latency_le_50', type: 'bigint', default: 0 })
  latencyLe50: number;

  @Column({ name: 'latency_le_100', type: 'bigint', default: 0 })
  latencyLe100: number;

  @Column({ name: 'latency_le_250', type: 'bigint', default: 0 })
  latencyLe250: number;

  @Column({ name: 'latency_le_500', type: 'bigint', default: 0 })
  latencyLe500: number;

  @Column({ name: 'latency_le_1000', type: 'bigint', default: 0 })
  latencyLe1000: number;

  @Column({ name: 'latency_le_2500', type: 'bigint', default: 0 })
  latencyLe2500: number;

  @Column({ name: 'latency_le_5000', type: 'bigint', default: 0 })
  latencyLe5000: number;

  @Column({ name: 'latency_le_10000', type: 'bigint', default: 0 })
  latencyLe10000: number;

  @Column({ name: 'latency_le_30000', type: 'bigint', default: 0 })
  latencyLe30000: number;

  @Column({ name: 'latency_le_60000', type: 'bigint', default: 0 })
  latencyLe60000: number;

  @Column({ name: 'latency_slower', type: 'bigint', default: 0 })
  latencySlower: number;
}
