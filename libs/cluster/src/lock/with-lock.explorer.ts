import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { WITH_LOCK_METADATA } from '../cluster.constants';
import { DistributedLock } from './distributed-lock';
import { resolveLockKey } from './lock-key';
import type { WithLockMetadata } from './with-lock.decorator';

type Method = (...args: unknown[]) => unknown;

/** Marks a wrapper, so a second explorer (ClusterModule imported twice) does not lock twice. */
const WRAPPED = Symbol('lattice:cluster:with-lock-wrapped');

/**
 * Finds `@WithLock()` methods among the providers at bootstrap and wraps each (on its instance)
 * in `DistributedLock.using()`. The wrapper keeps the method's metadata, so explorers that run
 * after this one (events, queue) still find their own decorators on it.
 */
@Injectable()
export class WithLockExplorer implements OnModuleInit {
  private readonly logger = new Logger('DistributedLock');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly locks: DistributedLock,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const target = instance as Record<string, Method>;
        const original = target[method];
        if (typeof original !== 'function' || WRAPPED in original) continue;
        const metadata = Reflect.getMetadata(WITH_LOCK_METADATA, original) as
          WithLockMetadata | undefined;
        if (!metadata) continue;
        const name = `${metatype.name}.${method}`;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(
            `@WithLock on ${name}: the provider is request-scoped, so it is not locked. Make it a singleton.`,
          );
          continue;
        }
        target[method] = this.wrap(original, instance, name, metadata);
      }
    }
  }

  private wrap(
    original: Method,
    instance: object,
    name: string,
    { key, options }: WithLockMetadata,
  ): Method {
    const locks = this.locks;
    const locked = async function (this: unknown, ...args: unknown[]) {
      const lockKey = resolveLockKey(key, args, name);
      return locks.using(lockKey, async () => original.apply(instance, args), options);
    };
    for (const metadataKey of Reflect.getMetadataKeys(original) as unknown[])
      Reflect.defineMetadata(metadataKey, Reflect.getMetadata(metadataKey, original), locked);
    Object.defineProperty(locked, 'name', { value: original.name });
    Object.defineProperty(locked, WRAPPED, { value: true });
    return locked;
  }
}
