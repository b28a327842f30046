import { LatticeError } from '@lattice/core';

/** Every error the cache raises on purpose: the thing, the cause, the fix. */
export const CacheMessages = {
  keyInvalid: (key: unknown, max: number) =>
    new LatticeError(
      'LATTICE_CACHE_KEY_INVALID',
      `Cache key ${JSON.stringify(String(key).slice(0, 80))}${String(key).length > 80 ? '…' : ''} is not usable: keys are 1 to ${max} characters.`,
      'Hash long keys (for example with createHash("sha1")) or shorten them.',
    ),
  valueNotSerializable: (key: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_CACHE_VALUE_INVALID',
      `The value for cache key "${key}" cannot be stored: ${cause instanceof Error ? cause.message : String(cause)}.`,
      'Cache plain data (objects, arrays, strings, numbers, booleans, null); convert class instances, Maps and BigInts first.',
    ),
  valueTooLarge: (key: string, bytes: number, max: number) =>
    new LatticeError(
      'LATTICE_CACHE_VALUE_TOO_LARGE',
      `The value for cache key "${key}" is ${bytes} bytes, over the limit of ${max}.`,
      'Cache a smaller projection of the data, or raise maxValueBytes in CacheModule.forRoot().',
    ),
  storeUnknown: (name: string, known: string[]) =>
    new LatticeError(
      'LATTICE_CACHE_STORE_UNKNOWN',
      `Cache store "${name}" is not configured. Configured: ${known.join(', ')}.`,
      'Add it to CacheModule.forRoot({ stores: { … } }) or check the name.',
    ),
  tagsEmpty: () =>
    new LatticeError(
      'LATTICE_CACHE_TAGS_EMPTY',
      'cache.tags() needs at least one tag.',
      'Pass the tags the items belong to, for example cache.tags(["questions", "user:1"]).',
    ),
  clusterNodesMissing: (store: string) =>
    new LatticeError(
      'LATTICE_CACHE_CLUSTER_NODES_MISSING',
      `Cache store "${store}" uses the redis-cluster driver but names no cluster nodes.`,
      `Give some nodes: stores: { ${store}: { driver: 'redis-cluster', cluster: { nodes: ['redis://10.0.0.1:7000'] } } }.`,
    ),
};
