import type { RedisAccess } from '@lattice/cache';

/** What a budget window has used so far. */
export interface BudgetUsage {
  tokens: number;
  cost: number;
}

/** Where budget counters live: Redis (shared by every node) or this process. */
export interface BudgetCounters {
  readonly kind: 'redis' | 'memory';
  key(...parts: string[]): string;
  read(keys: string[]): Promise<BudgetUsage[]>;
  /** Adds to a window's counters, kept for `ttlMs` (until the window is over). */
  add(key: string, tokens: number, cost: number, ttlMs: number): Promise<void>;
}

/**
 * Counters on Redis, one hash per window (`tokens`, `cost`): HINCRBY, HINCRBYFLOAT and PEXPIRE in
 * one MULTI, so concurrent charges from every node add up and the key never outlives its window.
 * One key per operation, so it works on a cluster too.
 */
export class RedisBudgetCounters implements BudgetCounters {
  readonly kind = 'redis';

  constructor(private readonly redis: RedisAccess) {}

  key(...parts: string[]): string {
    return this.redis.key('ai', 'budgets', ...parts);
  }

  async read(keys: string[]): Promise<BudgetUsage[]> {
    const client = this.redis.get();
    const rows = await Promise.all(keys.map((key) => client.hmget(key, 'tokens', 'cost')));
    return rows.map(([tokens, cost]) => ({ tokens: Number(tokens ?? 0), cost: Number(cost ?? 0) }));
  }

  async add(key: string, tokens: number, cost: number, ttlMs: number): Promise<void> {
    const results = await this.redis
      .get()
      .multi()
      .hincrby(key, 'tokens', Math.round(tokens))
      .hincrbyfloat(key, 'cost', cost)
      .pexpire(key, Math.max(1, Math.ceil(ttlMs)))
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('the MULTI was discarded');
  }
}

/** Counters in this process: each node counts alone (for one node, or without Redis). */
export class MemoryBudgetCounters implements BudgetCounters {
  readonly kind = 'memory';
  private readonly windows = new Map<string, BudgetUsage & { expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  key(...parts: string[]): string {
    return parts.join(':');
  }

  async read(keys: string[]): Promise<BudgetUsage[]> {
    const now = this.now();
    return keys.map((key) => {
      const window = this.windows.get(key);
      if (!window || window.expiresAt <= now) return { tokens: 0, cost: 0 };
      return { tokens: window.tokens, cost: window.cost };
    });
  }

  async add(key: string, tokens: number, cost: number, ttlMs: number): Promise<void> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.expiresAt <= now) {
      window = { tokens: 0, cost: 0, expiresAt: 0 };
      this.windows.set(key, window);
      // Windows of users who never come back: dropped once they are over.
      if (this.windows.size > 10_000) this.sweep(now);
    }
    window.tokens += Math.round(tokens);
    window.cost += cost;
    window.expiresAt = now + ttlMs;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.expiresAt <= now) this.windows.delete(key);
  }
}
