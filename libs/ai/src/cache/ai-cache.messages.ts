import { LatticeError } from '@lattice/core';

/** The errors the AI response cache raises on purpose: the thing, the cause, the fix. */
export const AiCacheMessages = {
  cacheModuleMissing: () =>
    new LatticeError(
      'LATTICE_AI_CACHE_MODULE_MISSING',
      'AiModule options set `cache: { … }`, but the response cache needs CacheModule (@lattice/cache), which the application does not import.',
      'Import CacheModule.forRoot() from @lattice/cache in the root module (it is global by default; `npm install @lattice/cache` first if needed), or remove `cache` from the AiModule options.',
    ),
  storeUnknown: (name: string) =>
    new LatticeError(
      'LATTICE_AI_CACHE_STORE_UNKNOWN',
      `AiModule options name the cache store "${name}", which CacheModule does not configure.`,
      `Add it to CacheModule.forRoot({ stores: { ${name}: { … } } }) (with forRootAsync, list it in storeNames), or set cache.store to a configured store.`,
    ),
};
