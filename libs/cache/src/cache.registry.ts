import { CacheMessages } from './cache.messages';
import type { LatticeCache } from './lattice-cache';

/** Every configured store by name; `get(name)` for stores chosen at run time. */
export class CacheRegistry {
  constructor(private readonly stores: Record<string, LatticeCache>) {}

  get(name: string): LatticeCache {
    const store = this.stores[name];
    if (!store) throw CacheMessages.storeUnknown(name, Object.keys(this.stores));
    return store;
  }

  all(): LatticeCache[] {
    return Object.values(this.stores);
  }
}
