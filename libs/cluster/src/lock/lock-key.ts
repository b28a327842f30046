import type { LockKey } from './with-lock.decorator';
import { LockMessages } from './lock.messages';

const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * The key of one call of a `@WithLock()` method: `'answer:{id}'` with `{ id: 42 }` → `answer:42`.
 * `{0}`, `{1}`… are arguments by position, `{name}` a property of the first object argument.
 */
export function resolveLockKey(key: LockKey, args: unknown[], method: string): string {
  if (typeof key === 'function') return key(args);
  const first = args.find((arg) => arg !== null && typeof arg === 'object') as
    Record<string, unknown> | undefined;
  return key.replace(PLACEHOLDER, (_, name: string) => {
    const value = /^\d+$/.test(name) ? args[Number(name)] : first?.[name];
    if (value === undefined || value === null || typeof value === 'object')
      throw LockMessages.keyPlaceholder(method, key, name);
    return String(value as string | number);
  });
}
