import type { Type } from '@nestjs/common';
import type { ChannelHistory } from './broadcast/channel-history';

/** An event class (its static `eventName` or class name is the event's name) or a name/pattern. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventType<E = any> = Type<E> | string;

/** Implement on a listener class marked `@EventListener(SomeEvent)`. */
export interface Listener<E = unknown> {
  handle(event: E): void | Promise<void>;
}

/** Options of `@Listen()` and `@EventListener()`. */
export interface ListenerOptions {
  /** Higher runs first (default 0). Equal priorities run in registration order. */
  priority?: number;
  /**
   * Run as a @lattice/queue job instead of in the dispatching call: persistent (BullMQ with
   * REDIS_URL), retried with backoff. `true` takes the defaults below.
   */
  async?: boolean | AsyncListenerOptions;
}

export interface AsyncListenerOptions {
  /** Queue the job runs on (default `events`). */
  queue?: string;
  /** Total tries, the first included (default 3). */
  attempts?: number;
  /** Delay between tries (default exponential from 1 s); @lattice/queue's `BackoffOptions`. */
  backoff?: number | ListenerBackoff;
  /** Milliseconds a try may take. */
  timeout?: number;
}

/** Retry delay of a queued listener: fixed, or doubling from `delay` (as @lattice/queue's `BackoffOptions`). */
export interface ListenerBackoff {
  type: 'fixed' | 'exponential';
  delay: number;
  /** 0..1: the share of the delay that is randomised downwards. */
  jitter?: number;
}

/** What a queued listener's job carries: the event's name and its fields as JSON. */
export interface QueuedEvent {
  event: string;
  data: unknown;
}

/**
 * Runs listeners marked `{ async }` somewhere other than the dispatching call. Provided under
 * `EVENTS_LISTENER_QUEUE` by `EventsQueueModule` (`@lattice/events/queue`), on @lattice/queue.
 */
export interface ListenerQueue {
  /** Called by the explorer for each async listener at boot. `revive` turns the JSON back into the event. */
  register(
    name: string,
    options: AsyncListenerOptions,
    run: (event: unknown) => unknown,
    revive: (queued: QueuedEvent) => unknown,
  ): void;
  /** Queues the event for one async listener; resolves once it is stored. */
  enqueue(listener: string, event: string, payload: unknown): Promise<{ id: string }>;
  /** Names of the listeners that run as jobs. */
  names(): string[];
}

/** A listener that threw, as reported by `dispatchAndWait()` and `onListenerError`. */
export interface ListenerFailure {
  event: string;
  listener: string;
  error: Error;
}

/** What an awaited dispatch did. */
export interface DispatchResult {
  event: string;
  /** Listeners that ran in this call (async listeners are counted in `queued`). */
  ran: number;
  /** Async listeners handed to the queue. */
  queued: number;
  failures: ListenerFailure[];
}

export interface EventsModuleOptions {
  /** Called for every listener that throws (after it is logged); never stops the others. */
  onListenerError?: (failure: ListenerFailure) => void;
  /** Broadcast channels: history, resume and pacing. See the events guide. */
  channels?: ChannelOptions;
}

export interface ChannelOptions {
  /** Channel patterns anyone may subscribe to (`news`, `question.{id}`); others need a @ChannelAuth. */
  public?: string[];
  /**
   * Where history lives. Default: core's choice for `events` (redis with REDIS_URL, else
   * memory). A `ChannelHistory` instance replaces the store (tests, other engines).
   */
  history?: 'memory' | 'redis' | ChannelHistory;
  /** Events kept per channel (default 1,000 in memory, 10,000 in Redis). */
  maxLength?: number;
  /** Redis only: events older than this are trimmed (default 24 h). */
  maxAgeMs?: number;
  /** Most events a resume replays; further behind, the client is told to resync (default 1,000). */
  replayCap?: number;
  /** Replay pace per client: events per second (default 500). */
  replayRate?: number;
  /** Events per replay frame (default 50). */
  replayBatch?: number;
  /** Largest broadcast payload in bytes (default 32 KiB); larger ones are refused. */
  maxPayloadBytes?: number;
}
