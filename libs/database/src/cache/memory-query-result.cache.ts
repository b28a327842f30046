import type { QueryResultCache } from 'typeorm/cache/QueryResultCache';
import type { QueryResultCacheOptions } from 'typeorm/cache/QueryResultCacheOptions';

/**
 * TypeORM's query result cache in process memory (the embedded default): bounded, least
 * recently used entries evicted first, entries expire after their duration.
 */
export class MemoryQueryResultCache implements QueryResultCache {
  private readonly entries = new Map<string, QueryResultCacheOptions>();

  constructor(private readonly maxEntries = 1000) {}

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.entries.clear();
  }
  async synchronize(): Promise<void> {}

  async getFromCache(
    options: QueryResultCacheOptions,
  ): Promise<QueryResultCacheOptions | undefined> {
    const key = options.identifier ?? options.query;
    if (!key) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key); // re-insert: Map order is the LRU order
    this.entries.set(key, entry);
    return entry;
  }

  async storeInCache(options: QueryResultCacheOptions): Promise<void> {
    const key = options.identifier ?? options.query;
    if (!key) return;
    this.entries.delete(key);
    this.entries.set(key, { ...options, result: structuredClone(options.result) });
    while (this.entries.size > this.maxEntries)
      this.entries.delete(this.entries.keys().next().value!);
  }

  isExpired(saved: QueryResultCacheOptions): boolean {
    return (saved.time ?? 0) + saved.duration < Date.now();
  }

  async clear(): Promise<void> {
    this.entries.clear();
  }

  async remove(identifiers: string[]): Promise<void> {
    for (const id of identifiers) this.entries.delete(id);
  }
}
