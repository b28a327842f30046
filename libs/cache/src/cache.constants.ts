export const CACHE_MODULE_OPTIONS = Symbol('lattice:cache:options');
export const DEFAULT_CACHE_STORE = 'default';

/** The injection token of a named store. */
export function getCacheToken(name: string = DEFAULT_CACHE_STORE): string {
  return `LatticeCache:${name}`;
}
