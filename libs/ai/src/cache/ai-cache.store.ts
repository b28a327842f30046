import type { InjectionToken } from '@nestjs/common';

/**
 * The injection token of @lattice/cache's `CacheRegistry` when that optional package is
 * installed, else a token nothing provides (so an `@Optional()` injection gets `undefined`).
 * Loaded with require() so that @lattice/ai loads without @lattice/cache installed.
 */
export function cacheRegistryToken(): InjectionToken {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@lattice/cache') as typeof import('@lattice/cache')).CacheRegistry;
  } catch (error) {
    // Only the package itself missing means "no cache"; a broken install must still fail loudly.
    const missing =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
      String((error as Error).message).includes("'@lattice/cache'");
    if (!missing) throw error;
    return NO_CACHE_PACKAGE;
  }
}

const NO_CACHE_PACKAGE = Symbol('lattice:ai:no-cache-package');

/** The registry token, resolved once when this file loads (decorators need it then). */
export const CACHE_REGISTRY = cacheRegistryToken();
