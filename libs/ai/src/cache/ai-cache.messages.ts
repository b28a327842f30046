import { LatticeError } from '@lattice/core';

/** The errors the AI response cache raises on purpose: the thing, the cause, the fix. */
export const AiCacheMessages = {
  cacheModuleMissing: (packageInstalled: boolean) =>
    new LatticeError(
      'LATTICE_AI_CACHE_MODULE_MISSING',
      'AiModule options set `cache: { … }`, but the response cache needs CacheModule (@lattice/cache), ' +
        (packageInstalled ? 'which the application does not import.' : 'which is not installed.'),
      packageInstalled
        ? 'Import CacheModule.forRoot() in the root module (it is global by default), or remove `cache` from the AiModule options (or set `cache: false`).'
        : 'Run `npm install @lattice/cache` and import CacheModule.forRoot() in the root module, or remove `cache` from the AiModule options.',
    ),
};
