import { STATE_APPLY_METADATA, STATE_UPCAST_METADATA } from '../state.constants';
import type { PayloadSchema } from '../state.interfaces';

export interface ApplyBinding {
  type: string;
  method: string;
  schema?: PayloadSchema;
  /** The payload schema version this reducer reads (default 1). */
  schemaVersion: number;
}

export interface UpcastBinding {
  type: string;
  /** The schema version this method reads; it returns the payload of `from + 1`. */
  from: number;
  method: string;
}

function push<T>(key: string, target: object, binding: T): void {
  const list = (Reflect.getOwnMetadata(key, target.constructor) as T[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...list, binding], target.constructor);
}

/**
 * The reducer of one event type: `(state, payload, event) => newState`, pure (no I/O, no
 * mutation). The payload is checked against `schema` before the event is appended; raise
 * `schemaVersion` when the payload's shape changes and add an `@Upcast` for the old one.
 */
export function Apply(
  type: string,
  schema?: PayloadSchema,
  options: { schemaVersion?: number } = {},
): MethodDecorator {
  return (target, method) => {
    push<ApplyBinding>(STATE_APPLY_METADATA, target, {
      type,
      method: String(method),
      schema,
      schemaVersion: options.schemaVersion ?? 1,
    });
  };
}

/**
 * Turns a stored payload of schema version `from` into version `from + 1`, so old events
 * replay through today's reducer. Chains run in order up to the reducer's version.
 */
export function Upcast(type: string, from: number): MethodDecorator {
  return (target, method) => {
    push<UpcastBinding>(STATE_UPCAST_METADATA, target, { type, from, method: String(method) });
  };
}

export function getApplyBindings(type: object): ApplyBinding[] {
  return (Reflect.getMetadata(STATE_APPLY_METADATA, type) as ApplyBinding[] | undefined) ?? [];
}

export function getUpcastBindings(type: object): UpcastBinding[] {
  return (Reflect.getMetadata(STATE_UPCAST_METADATA, type) as UpcastBinding[] | undefined) ?? [];
}
