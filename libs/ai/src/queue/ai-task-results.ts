import { RedisConnections } from '@lattice/core';
import type { AiTaskResult } from './ai-queue.interfaces';

/**
 * Where finished AI tasks keep their results, written before the job completes: a task tried
 * again after a crash (or a key enqueued again) finds its result here instead of calling the
 * provider a second time. On Redis when the queue is (jobs outlive the process), else in memory.
 */
export abstract class AiTaskResults {
  abstract get(id: string): Promise<AiTaskResult | undefined>;
  abstract set(result: AiTaskResult, ttlMs: number): Promise<void>;
}

export class MemoryAiTaskResults extends AiTaskResults {
  private readonly results = new Map<string, { result: AiTaskResult; until: number }>();

  async get(id: string): Promise<AiTaskResult | undefined> {
    const kept = this.results.get(id);
    if (kept && kept.until <= Date.now()) this.results.delete(id);
    return kept && kept.until > Date.now() ? kept.result : undefined;
  }

  async set(result: AiTaskResult, ttlMs: number): Promise<void> {
    this.results.set(result.id, { result, until: Date.now() + ttlMs });
    // Expired entries go when read; a sweep keeps a long-running process from holding them all.
    if (this.results.size % 1000 === 0) {
      const now = Date.now();
      for (const [id, kept] of this.results) if (kept.until <= now) this.results.delete(id);
    }
  }
}

export class RedisAiTaskResults extends AiTaskResults {
  constructor(private readonly redis: RedisConnections) {
    super();
  }

  async get(id: string): Promise<AiTaskResult | undefined> {
    const json = await this.redis.get().get(this.key(id));
    return json ? (JSON.parse(json) as AiTaskResult) : undefined;
  }

  async set(result: AiTaskResult, ttlMs: number): Promise<void> {
    await this.redis.get().set(this.key(result.id), JSON.stringify(result), 'PX', ttlMs);
  }

  private key(id: string): string {
    return this.redis.key('ai', 'task', id);
  }
}
