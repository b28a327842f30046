import type { RedisConnections } from '@lattice/core';
import type { AiUsageCounts, AiUsageEntry, AiUsageStore } from '../ai-usage.interfaces';
import { AI_USAGE_RETENTION_DAYS } from '../ai-usage.constants';
import { emptyHistogram } from '../ai-usage.histogram';
import { decodeKey, encodeKey, emptyCounts } from '../ai-usage.key';

const COUNTERS = ['calls', 'promptTokens', 'completionTokens', 'cacheHits'] as const;

/**
 * Usage in Redis: one hash per UTC day (`<prefix>ai:usage:2026-12-03`), one field per key and
 * counter, added with HINCRBY / HINCRBYFLOAT so that every node and the command line share the
 * counts. Each day's hash expires after the retention period.
 */
export class RedisAiUsageStore implements AiUsageStore {
  readonly kind: string = 'redis';
  readonly shared: boolean = true;

  constructor(
    private readonly redis: RedisConnections,
    private readonly retentionDays = AI_USAGE_RETENTION_DAYS,
  ) {}

  async add(entries: AiUsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const client = this.redis.get();
    const pipeline = client.pipeline();
    const days = new Set<string>();
    for (const { key, counts } of entries) {
      const hash = this.hashOf(key.day);
      days.add(key.day);
      const field = encodeKey(key);
      for (const counter of COUNTERS)
        if (counts[counter]) pipeline.hincrby(hash, `${field}\u001f${counter}`, counts[counter]);
      if (counts.cost) pipeline.hincrbyfloat(hash, `${field}\u001fcost`, counts.cost);
      counts.latency.forEach((n, bucket) => {
        if (n) pipeline.hincrby(hash, `${field}\u001fl${bucket}`, n);
      });
    }
    for (const day of days) pipeline.expire(this.hashOf(day), this.retentionDays * 86_400);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0] as Error;
  }

  async read(days: string[]): Promise<AiUsageEntry[]> {
    const client = this.redis.get();
    const hashes = await Promise.all(days.map((day) => client.hgetall(this.hashOf(day))));
    const entries = new Map<string, AiUsageEntry>();
    for (const hash of hashes) {
      for (const [field, value] of Object.entries(hash)) {
        const cut = field.lastIndexOf('\u001f');
        const key = decodeKey(field.slice(0, cut));
        if (!key) continue;
        const id = field.slice(0, cut);
        let entry = entries.get(id);
        if (!entry) entries.set(id, (entry = { key, counts: emptyCounts() }));
        setCounter(entry.counts, field.slice(cut + 1), Number(value));
      }
    }
    return [...entries.values()];
  }

  private hashOf(day: string): string {
    return this.redis.key('ai', 'usage', day);
  }
}

function setCounter(counts: AiUsageCounts, counter: string, value: number): void {
  if (!Number.isFinite(value)) return;
  if (counter === 'cost') counts.cost = value;
  else if ((COUNTERS as readonly string[]).includes(counter))
    counts[counter as (typeof COUNTERS)[number]] = value;
  else if (/^l\d+$/.test(counter)) {
    const bucket = Number(counter.slice(1));
    if (bucket < emptyHistogram().length) counts.latency[bucket] = value;
  }
}
