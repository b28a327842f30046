import { LatticeError } from '@lattice/core';

const list = (names: string[]) => (names.length ? names.join(', ') : '(none)');

/** Every error the events library raises on purpose: the thing, the cause, the fix. */
export const EventsMessages = {
  queueMissing: (listener: string) =>
    new LatticeError(
      'LATTICE_EVENTS_QUEUE_MISSING',
      `Listener ${listener} is marked async, so it runs as a queue job, but EventsQueueModule is not imported.`,
      "Import EventsQueueModule from '@lattice/events/queue' (with QueueModule.forRoot() from @lattice/queue) in the application module, or drop { async } from the listener.",
    ),
  queueManagerMissing: () =>
    new LatticeError(
      'LATTICE_EVENTS_QUEUE_MODULE_MISSING',
      'EventsQueueModule runs async listeners as @lattice/queue jobs, but no QueueModule is visible to it.',
      'Import QueueModule.forRoot() from @lattice/queue in the application module (global by default; not with isGlobal: false).',
    ),
  notAsyncListener: (listener: string) =>
    new LatticeError(
      'LATTICE_EVENTS_NOT_ASYNC_LISTENER',
      `Listener ${listener} is not an async listener, so it cannot be queued.`,
      'Mark it @Listen(Event, { async: true }), or dispatch the event instead of queueing it.',
    ),
  listenerNotAFunction: (owner: string) =>
    new LatticeError(
      'LATTICE_EVENTS_LISTENER_NO_HANDLE',
      `${owner} is marked @EventListener() but has no handle(event) method.`,
      'Implement Listener<E>: add "handle(event: E) { … }" to the class.',
    ),
  eventNotJson: (event: string, listener: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_EVENTS_EVENT_NOT_JSON',
      `Event "${event}" cannot be queued for async listener ${listener}: it is not JSON data (${String(cause)}).`,
      'Give the event class only plain fields (strings, numbers, arrays, plain objects).',
    ),
  channelNameInvalid: (name: unknown) =>
    new LatticeError(
      'LATTICE_EVENTS_CHANNEL_INVALID',
      `Channel name ${JSON.stringify(name)} is not valid: use 1 to 200 letters, digits or "._-@".`,
      'Pick a channel name like "orders" or "user.42".',
    ),
  channelPatternDuplicate: (pattern: string, first: string, second: string) =>
    new LatticeError(
      'LATTICE_EVENTS_CHANNEL_AUTH_DUPLICATE',
      `Two @ChannelAuth handlers, ${first} and ${second}, claim channel pattern "${pattern}".`,
      'Keep one authorization callback per pattern.',
    ),
  channelUnknown: (name: string, patterns: string[]) =>
    new LatticeError(
      'LATTICE_EVENTS_CHANNEL_UNKNOWN',
      `Channel "${name}" is neither public nor matched by a @ChannelAuth pattern. Known patterns: ${list(patterns)}.`,
      'Declare it in EventsModule channels.public, or add a @ChannelAuth() method for it.',
    ),
  clientBuildFailed: (entry: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_EVENTS_CLIENT_BUILD',
      `The browser script of channels (${entry}) could not be built: ${cause instanceof Error ? cause.message : String(cause)}`,
      'An installed @lattice/events ships it prebuilt (client/browser-scripts.json): reinstall the package. In a checkout, install esbuild (npm install); or bundle @lattice/events/client with your own build.',
      { cause },
    ),
  channelDenied: (name: string) =>
    new LatticeError(
      'LATTICE_EVENTS_CHANNEL_DENIED',
      `You may not subscribe to channel "${name}".`,
      'Sign in as a user the channel admits.',
    ),
  payloadTooLarge: (channel: string, bytes: number, max: number) =>
    new LatticeError(
      'LATTICE_EVENTS_PAYLOAD_TOO_LARGE',
      `The broadcast on channel "${channel}" is ${bytes} bytes; the limit is ${max}.`,
      'Send an id and let clients fetch the rest, or raise channels.maxPayloadBytes.',
    ),
  socketMissing: () =>
    new LatticeError(
      'LATTICE_EVENTS_SOCKET_MISSING',
      'An event was broadcast, but SocketModule is not imported, so no channel can carry it.',
      'Import SocketModule.forRoot() in the application module (global, so EventsModule sees it).',
    ),
  resumeInvalid: (detail: string) =>
    new LatticeError(
      'LATTICE_EVENTS_RESUME_INVALID',
      `The subscription's resume position is not valid: ${detail}.`,
      'Send { epoch: string, offset: integer ≥ 0 } from a previous subscription, or nothing.',
    ),
} as const;
