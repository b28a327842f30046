/** The events options, checked (see `eventsModuleOptionsSchema`). */
export const EVENTS_MODULE_OPTIONS = Symbol('lattice:events:options');
/** Where listeners marked `{ async }` are queued: a `ListenerQueue` (`@lattice/events/queue`). */
export const EVENTS_LISTENER_QUEUE = Symbol('lattice:events:listener-queue');
/** Metadata key of `@Listen()` methods and `@EventListener()` classes. */
export const EVENT_LISTENER_METADATA = 'lattice:events:listener';
/** Metadata key of `@ChannelAuth()` methods. */
export const CHANNEL_AUTH_METADATA = 'lattice:events:channel-auth';
/** The queue async listeners run on unless they name another. */
export const DEFAULT_EVENTS_QUEUE = 'events';
/** Socket topics of event channels: `channel:<name>`. */
export const CHANNEL_TOPIC_PREFIX = 'channel:';
