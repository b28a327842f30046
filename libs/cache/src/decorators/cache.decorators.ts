import { DEFAULT_CACHE_STORE } from '../cache.constants';
import { CacheRegistry } from '../cache.registry';

type KeyOf<A extends unknown[]> = string | ((...args: A) => string);
type TagsOf<A extends unknown[]> = string[] | ((...args: A) => string[]);

export interface CacheableOptions<A extends unknown[] = unknown[]> {
  /** The cache key, or a function of the method's arguments. Default: `Class.method:<args as JSON>`. */
  key?: KeyOf<A>;
  /** Time to live in ms (default: the store's). */
  ttl?: number;
  /** Store the result under these tags (a function of the arguments, or a fixed list). */
  tags?: TagsOf<A>;
  /** Named store (default: the default store). */
  store?: string;
}

export interface CacheEvictOptions<A extends unknown[] = unknown[]> {
  keys?: string[] | ((...args: A) => string[]);
  tags?: TagsOf<A>;
  store?: string;
}

const resolve = <A extends unknown[], R>(value: R | ((...args: A) => R), args: A): R =>
  typeof value === 'function' ? (value as (...args: A) => R)(...args) : value;

function copyMetadata(from: object, to: object): void {
  for (const key of Reflect.getMetadataKeys(from))
    Reflect.defineMetadata(key, Reflect.getMetadata(key, from), to);
}

/**
 * Caches an async method's result: the first call computes it (once, even when called
 * concurrently; see `LatticeCache.wrap`), later calls within the ttl return the stored value.
 *
 * @example
 * @Cacheable({ key: (id: number) => `question:${id}`, tags: (id: number) => ['questions', `question:${id}`], ttl: 30_000 })
 * findQuestion(id: number) { … }
 */
export function Cacheable<A extends unknown[] = unknown[]>(
  options: CacheableOptions<A> = {},
): MethodDecorator {
  return (target, property, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: A) => Promise<unknown>;
    const label = `${target.constructor.name}.${String(property)}`;
    const wrapped = function (this: unknown, ...args: A) {
      const cache = CacheRegistry.current().get(options.store ?? DEFAULT_CACHE_STORE);
      const key = options.key ? resolve(options.key, args) : `${label}:${JSON.stringify(args)}`;
      const compute = () => original.apply(this, args);
      const tags = options.tags ? resolve(options.tags, args) : undefined;
      return tags?.length
        ? cache.tags(tags).wrap(key, compute, options.ttl)
        : cache.wrap(key, compute, options.ttl);
    };
    copyMetadata(original, wrapped);
    descriptor.value = wrapped;
    return descriptor;
  };
}

/**
 * After the method succeeds, deletes keys and/or flushes tags (a method that throws evicts nothing).
 *
 * @example
 * @CacheEvict({ tags: (id: number) => [`question:${id}`] })
 * updateQuestion(id: number, patch: QuestionPatch) { … }
 */
export function CacheEvict<A extends unknown[] = unknown[]>(
  options: CacheEvictOptions<A>,
): MethodDecorator {
  return (_target, _property, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: A) => Promise<unknown>;
    const wrapped = async function (this: unknown, ...args: A) {
      const result = await original.apply(this, args);
      const cache = CacheRegistry.current().get(options.store ?? DEFAULT_CACHE_STORE);
      const keys = options.keys ? resolve(options.keys, args) : [];
      if (keys.length) await cache.del(...keys);
      const tags = options.tags ? resolve(options.tags, args) : [];
      if (tags.length) await cache.tags(tags).flush();
      return result;
    };
    copyMetadata(original, wrapped);
    descriptor.value = wrapped;
    return descriptor;
  };
}
