import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { RedisConnections } from '@lattice/core';
import type { AiCallOutcome } from '../ai.interfaces';
import { outcomeKind, outcomeTarget } from './ai-call-outcome';
import {
  AI_USAGE_FLUSH_KEYS,
  AI_USAGE_FLUSH_MS,
  AI_USAGE_MAX_PENDING_KEYS,
  AI_USAGE_STORE,
} from './ai-usage.constants';
import { bucketOf, emptyHistogram, quantileMs } from './ai-usage.histogram';
import type {
  AiUsageDimension,
  AiUsageEntry,
  AiUsageKey,
  AiUsageQuery,
  AiUsageRow,
  AiUsageStore,
} from './ai-usage.interfaces';
import { addCounts, emptyCounts, encodeKey, mergeEntries } from './ai-usage.key';
import { MemoryAiUsageStore } from './stores/memory-usage.store';
import { RedisAiUsageStore } from './stores/redis-usage.store';

const DAY_MS = 86_400_000;

/**
 * Counts every call by day, provider, model, operation, outcome (`ok`, `error`, `refused`) and
 * user: calls, prompt and completion tokens, cost, cache hits and a latency histogram with fixed
 * buckets. The manager calls `record` once per call, hit or miss, success or error;
 * `summary()` answers "how much, for whom, how fast" and feeds `lattice ai:usage`.
 *
 * Counts are kept in Redis hashes when REDIS_URL is set (shared by every node and the command
 * line), else in memory; an app provides another store under `AI_USAGE_STORE` (decision 0035).
 * `record` never waits and never throws: counts are added up in memory and written at most
 * every second; a store that fails is logged once and its counts are kept for the next write.
 */
@Injectable()
export class AiUsage implements BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('AI');
  readonly store: AiUsageStore;
  private pending = new Map<string, AiUsageEntry>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failing = false;
  private countFailed = false;
  private dropped = 0;

  constructor(
    @Optional() @Inject(AI_USAGE_STORE) store?: AiUsageStore,
    @Optional() redis?: RedisConnections,
  ) {
    this.store =
      store ?? (redis?.configured ? new RedisAiUsageStore(redis) : new MemoryAiUsageStore());
  }

  /** Counts one call. Never throws, never waits: the write happens later, off the call's path. */
  record(outcome: AiCallOutcome): void {
    try {
      this.count(outcome);
    } catch (error) {
      this.warnOnce(`AI usage could not count a call: ${describe(error)}`);
    }
  }

  /**
   * Writes the counts held in memory to the store now (`summary` does it first; tests and
   * shutdown too). Resolves when written, or when the write failed (logged).
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /**
   * Usage between two days, grouped: one row per distinct value of `groupBy`, sorted by those
   * values (days ascending), with totals, error and refusal counts and latency percentiles.
   *
   * @example
   * await usage.summary({ days: 7, groupBy: ['day', 'model'] });
   * // [{ day: '2026-12-01', model: 'gpt-4o-mini', calls: 120, cost: 0.0412, p95Ms: 1000, … }, …]
   */
  async summary(query: AiUsageQuery = {}): Promise<AiUsageRow[]> {
    await this.flush();
    const days = dayRange(query);
    const groupBy = query.groupBy ?? ['day', 'model', 'user'];
    const rows = new Map<string, AiUsageRow>();
    for (const { key, counts } of await this.store.read(days)) {
      if (!matches(key, query.where)) continue;
      const id = groupBy.map((dimension) => key[dimension]).join('\u001f');
      let row = rows.get(id);
      if (!row) rows.set(id, (row = emptyRow(key, groupBy)));
      row.calls += counts.calls;
      row.promptTokens += counts.promptTokens;
      row.completionTokens += counts.completionTokens;
      row.cost += counts.cost;
      row.cacheHits += counts.cacheHits;
      if (key.outcome === 'error') row.errors += counts.calls;
      if (key.outcome === 'refused') row.refused += counts.calls;
      counts.latency.forEach((n, i) => (row.latency[i] += n));
    }
    return [...rows.values()]
      .map((row) => ({
        ...row,
        totalTokens: row.promptTokens + row.completionTokens,
        cacheHitRate: row.calls ? row.cacheHits / row.calls : 0,
        p50Ms: quantileMs(row.latency, 0.5),
        p95Ms: quantileMs(row.latency, 0.95),
      }))
      .sort((a, b) => compareRows(a, b, groupBy));
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Before the shutdown hooks close Redis, so that the last counts are written. */
  async beforeApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    await this.flush();
  }

  private count({ call, response, error }: AiCallOutcome): void {
    const { provider, model } = outcomeTarget({ call, response, error });
    const key: AiUsageKey = {
      day: new Date().toISOString().slice(0, 10),
      provider,
      model,
      operation: call.operation,
      outcome: outcomeKind({ response, error }),
      user: call.user ?? '-',
    };
    const latency = emptyHistogram();
    latency[bucketOf(response ? response.latencyMs : Date.now() - call.startedAt)] = 1;
    const counts = {
      ...emptyCounts(),
      calls: 1,
      promptTokens: response?.usage.promptTokens ?? 0,
      completionTokens: response?.usage.completionTokens ?? 0,
      cost: response?.cost ?? 0,
      cacheHits: response?.cached ? 1 : 0,
      latency,
    };
    const id = encodeKey(key);
    const known = this.pending.get(id);
    if (known) addCounts(known.counts, counts);
    else if (this.pending.size < AI_USAGE_MAX_PENDING_KEYS) this.pending.set(id, { key, counts });
    else this.dropped++;
    if (this.pending.size >= AI_USAGE_FLUSH_KEYS) void this.flush();
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, AI_USAGE_FLUSH_MS).unref();
  }

  private async write(batch: Map<string, AiUsageEntry>): Promise<void> {
    try {
      await this.store.add([...batch.values()]);
      if (this.failing) {
        this.failing = false;
        this.logger.log(
          `AI usage store (${this.store.kind}) works again${this.dropped ? `; ${this.dropped} calls were not counted meanwhile` : ''}.`,
        );
        this.dropped = 0;
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.warn(
          `AI usage store (${this.store.kind}) failed, counts are kept in memory until it answers: ${describe(error)}`,
        );
      }
      // Kept for the next write, up to a bound, so that an outage costs memory, not counts.
      const retry = new Map<string, AiUsageEntry>();
      mergeEntries(retry, batch.values());
      mergeEntries(retry, this.pending.values());
      while (retry.size > AI_USAGE_MAX_PENDING_KEYS) {
        const oldest = retry.keys().next().value as string;
        this.dropped += retry.get(oldest)?.counts.calls ?? 0;
        retry.delete(oldest);
      }
      this.pending = retry;
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, AI_USAGE_FLUSH_MS * 5).unref();
    }
  }

  private warnOnce(message: string): void {
    if (this.countFailed) return;
    this.countFailed = true;
    this.logger.warn(message);
  }
}

/** The UTC days a query covers, oldest first. */
export function dayRange(query: Pick<AiUsageQuery, 'from' | 'to' | 'days'>): string[] {
  const to = startOfDay(query.to ?? new Date());
  const from = query.from
    ? startOfDay(query.from)
    : to - (Math.max(1, Math.floor(query.days ?? 7)) - 1) * DAY_MS;
  const days: string[] = [];
  for (let t = from; t <= to && days.length < 3660; t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function startOfDay(value: Date | string): number {
  const date = typeof value === 'string' ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a day: ${String(value)}`);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

function matches(key: AiUsageKey, where: AiUsageQuery['where']): boolean {
  if (!where) return true;
  return Object.entries(where).every(
    ([field, value]) => value === undefined || key[field as AiUsageDimension] === value,
  );
}

function emptyRow(key: AiUsageKey, groupBy: AiUsageDimension[]): AiUsageRow {
  const row: AiUsageRow = {
    calls: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    cost: 0,
    cacheHits: 0,
    cacheHitRate: 0,
    errors: 0,
    refused: 0,
    p50Ms: 0,
    p95Ms: 0,
    latency: emptyHistogram(),
  };
  for (const dimension of groupBy)
    (row as unknown as Record<string, string>)[dimension] = key[dimension];
  return row;
}

function compareRows(a: AiUsageRow, b: AiUsageRow, groupBy: AiUsageDimension[]): number {
  for (const dimension of groupBy) {
    const order = String(a[dimension]).localeCompare(String(b[dimension]));
    if (order !== 0) return order;
  }
  return 0;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
