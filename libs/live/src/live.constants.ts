/**
 * The default store of @lattice/cache's CacheModule (its `getCacheToken()`): a string token, so
 * live uses the cache when the app imports CacheModule without loading @lattice/cache itself.
 */
export const DEFAULT_CACHE_TOKEN = 'LatticeCache:default';

// The integrations' metadata keys live here, in the main entry, so the boot check can tell a
// component that needs an integration whose module the app did not import.
/** `@OnChannel` (from `@lattice/live/channels`). */
export const LIVE_ON_CHANNEL_METADATA = 'lattice:live:on-channel';
/** `@UseState` (from `@lattice/live/state`). */
export const LIVE_USE_STATE_METADATA = 'lattice:live:use-state';
/** `@PersistState` (from `@lattice/live/state`). */
export const LIVE_PERSIST_STATE_METADATA = 'lattice:live:persist-state';
/** `@LivePage(component, { layout })` on a controller method. */
export const LIVE_PAGE_METADATA = 'lattice:live:page';
