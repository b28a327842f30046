import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { EVENT_LISTENER_METADATA } from '../events.constants';
import type { EventType, ListenerOptions } from '../events.interfaces';

/** What `@Listen()` and `@EventListener()` record. */
export interface ListenerBinding {
  events: EventType[];
  options: ListenerOptions;
}

/**
 * Marks a provider method as a listener. `event` is an event class, a name, or a pattern with
 * `*` (one segment) or `**` (any number): `@Listen('order.*')`.
 *
 * @example
 * @Listen(OrderPlaced, { priority: 10 })
 * reserveStock(event: OrderPlaced) { … }
 */
export function Listen(
  event: EventType | EventType[],
  options: ListenerOptions = {},
): MethodDecorator {
  return (target, key, descriptor) => {
    const bindings: ListenerBinding[] =
      (Reflect.getMetadata(
        EVENT_LISTENER_METADATA,
        descriptor.value as object,
      ) as ListenerBinding[]) ?? [];
    bindings.push({ events: Array.isArray(event) ? event : [event], options });
    SetMetadata(EVENT_LISTENER_METADATA, bindings)(target, key, descriptor);
  };
}

/**
 * Marks a class implementing `Listener<E>` as the listener of `event`: its `handle()` runs.
 * The class becomes injectable; list it in a module's `providers`.
 *
 * @example
 * @EventListener(OrderPlaced, { async: { attempts: 5 } })
 * export class SendReceipt implements Listener<OrderPlaced> {
 *   async handle(event: OrderPlaced) { … }
 * }
 */
export function EventListener(
  event: EventType | EventType[],
  options: ListenerOptions = {},
): ClassDecorator {
  const binding: ListenerBinding = { events: Array.isArray(event) ? event : [event], options };
  return applyDecorators(Injectable(), SetMetadata(EVENT_LISTENER_METADATA, [binding]));
}
