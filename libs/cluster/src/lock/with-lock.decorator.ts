import { SetMetadata } from '@nestjs/common';
import { WITH_LOCK_METADATA } from '../cluster.constants';
import type { LockOptions } from './distributed-lock';

/** The key of a `@WithLock()`: a template with placeholders, or a function of the call's arguments. */
export type LockKey = string | ((args: unknown[]) => string);

/** What `@WithLock()` stores on the method. */
export interface WithLockMetadata {
  key: LockKey;
  options: LockOptions;
}

/**
 * Runs the method holding the distributed lock `key` (see `DistributedLock.using`): calls with the
 * same key wait for each other across the cluster (up to `acquireTimeoutMs`, then a 409
 * `LockTimeoutError`). Placeholders are filled from the call: `{0}`, `{1}`… by argument position,
 * `{id}` from a property of the first object argument; or pass `(args) => key`. The method does
 * not see the lock: when its write needs the fencing token, call `DistributedLock.using()` in it
 * instead.
 *
 * Applied at bootstrap to methods of singleton providers (not to controller route handlers,
 * which Nest binds before; put the work in a service).
 *
 * @example
 * @WithLock('answer:{id}')
 * async accept(input: { id: number }) { … }
 */
export const WithLock = (key: LockKey, options: LockOptions = {}): MethodDecorator =>
  SetMetadata<string, WithLockMetadata>(WITH_LOCK_METADATA, { key, options });
