import { LatticeError } from '@lattice/core';
import { CacheMessages } from './cache.messages';
import type { LatticeCache } from './lattice-cache';

let latest: CacheRegistry | undefined;

/** Every configured store by name; `get(name)` for stores chosen at run time. */
export class CacheRegistry {
  constructor(private readonly stores: Record<string, LatticeCache>) {
    // Decorators have no injector: they use the registry of the application that started last.
    latest = this; // eslint-disable-line @typescript-eslint/no-this-alias
  }

  /** The registry of the running application, for decorators (which have no injector). */
  static current(): CacheRegistry {
    if (!latest) {
      throw new LatticeError(
        'LATTICE_CACHE_NOT_READY',
        'A @Cacheable or @CacheEvict method ran before CacheModule started.',
        'Import CacheModule.forRoot() in the root module, and call the method after the application is initialised.',
      );
    }
    return latest;
  }

  get(name: string): LatticeCache {
    const store = this.stores[name];
    if (!store) throw CacheMessages.storeUnknown(name, Object.keys(this.stores));
    return store;
  }

  all(): LatticeCache[] {
    return Object.values(this.stores);
  }
}
