import type { EventType } from './events.interfaces';

/**
 * The name an event is dispatched under: a string as given; for a class (or an instance of
 * one) its static `eventName`, or else the class name.
 */
export function eventNameOf(event: EventType | object): string {
  if (typeof event === 'string') return event;
  const type = (typeof event === 'function' ? event : event.constructor) as {
    eventName?: unknown;
    name: string;
  };
  return typeof type.eventName === 'string' ? type.eventName : type.name;
}
