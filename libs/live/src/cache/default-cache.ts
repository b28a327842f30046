import { CacheRegistry, DEFAULT_CACHE_STORE, type LatticeCache } from '@lattice/cache';
import type { ModuleRef } from '@nestjs/core';

/**
 * CacheModule's default store (Redis when REDIS_URL is set), or null when the app does not
 * import CacheModule: live works without it, with per-node fallbacks.
 */
export function defaultCacheOf(moduleRef: ModuleRef): LatticeCache | null {
  try {
    return moduleRef.get(CacheRegistry, { strict: false }).get(DEFAULT_CACHE_STORE);
  } catch {
    return null;
  }
}
