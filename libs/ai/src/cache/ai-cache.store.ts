import type { ModuleRef } from '@nestjs/core';
import type { LatticeCache } from '@lattice/cache';
import { AiCacheMessages } from './ai-cache.messages';

/**
 * @lattice/cache's injection token of a named store (its `getCacheToken(name)`): a string, so
 * @lattice/ai finds the app's cache without loading @lattice/cache, an optional peer (as
 * @lattice/live does).
 */
export function cacheStoreToken(name = 'default'): string {
  return `LatticeCache:${name}`;
}

/**
 * A store of the app's CacheModule by name (one the AiModule options chose at run time, so not
 * injectable by a fixed token); an error naming it when CacheModule does not configure it.
 */
export function namedCacheStore(moduleRef: ModuleRef, name: string): LatticeCache {
  try {
    return moduleRef.get<LatticeCache>(cacheStoreToken(name), { strict: false });
  } catch {
    throw AiCacheMessages.storeUnknown(name);
  }
}
