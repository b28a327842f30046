import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EVENTS_LISTENER_QUEUE, EVENTS_MODULE_OPTIONS } from '../events.constants';
import type {
  DispatchResult,
  EventType,
  EventsModuleOptions,
  ListenerFailure,
  ListenerQueue,
} from '../events.interfaces';
import { eventNameOf } from '../event-name';
import { EventsMessages } from '../events.messages';

const LISTENER = Symbol('lattice:events:registered-listener');

/** A listener as the dispatcher keeps it on the emitter function. */
interface ListenerInfo {
  name: string;
  priority: number;
  order: number;
  async: boolean;
}

type EmitterFn = ((...args: unknown[]) => unknown) & { [LISTENER]?: ListenerInfo };

/**
 * Dispatches typed events to listeners, on @nestjs/event-emitter's `EventEmitter2` (so
 * wildcards `order.*` and `order.**` work, and `@OnEvent` handlers of that package hear our
 * events too). Listeners run by priority, highest first; one that throws is logged and
 * reported and the others still run. Listeners marked `{ async }` are queued as jobs
 * (`EventsQueueModule` from `@lattice/events/queue`).
 *
 * @example
 * this.events.dispatch(new OrderPlaced(order.id));              // now, without waiting
 * const result = await this.events.dispatchAndWait(new OrderPlaced(order.id));
 */
@Injectable()
export class EventDispatcher {
  private readonly logger = new Logger('Events');
  private order = 0;

  constructor(
    private readonly emitter: EventEmitter2,
    @Inject(EVENTS_MODULE_OPTIONS) private readonly options: EventsModuleOptions,
    @Optional() @Inject(EVENTS_LISTENER_QUEUE) private readonly listenerQueue?: ListenerQueue,
  ) {}

  /**
   * Adds a listener for an event class, name or pattern. Returns a function that removes it.
   * `@Listen()` methods and `@EventListener()` classes are added at bootstrap by the explorer.
   */
  on<E>(
    event: EventType<E>,
    handler: (event: E) => unknown,
    options: { priority?: number; name?: string } = {},
  ): () => void {
    return this.add(event, handler as (event: unknown) => unknown, {
      name: options.name ?? (handler.name || 'anonymous listener'),
      priority: options.priority ?? 0,
      async: false,
    });
  }

  /** @internal the explorer's way in, also for async listeners. */
  add(
    event: EventType,
    handler: (event: unknown) => unknown,
    info: Omit<ListenerInfo, 'order'>,
  ): () => void {
    const name = eventNameOf(event);
    const fn: EmitterFn = (payload: unknown) => handler(payload);
    fn[LISTENER] = { ...info, order: this.order++ };
    this.emitter.on(name, fn);
    return () => void this.emitter.off(name, fn);
  }

  /**
   * Runs the listeners now, without waiting for those that return promises: synchronous
   * listeners have run when this returns. Failures are logged and reported, never thrown.
   */
  dispatch(event: object | string, payload?: unknown): void {
    const name = eventNameOf(event);
    const value = typeof event === 'string' ? payload : event;
    for (const fn of this.listenersOf(name)) {
      const info = fn[LISTENER];
      if (info?.async) {
        this.enqueue(info.name, name, value).catch((error: unknown) =>
          this.report(name, info.name, error),
        );
        continue;
      }
      try {
        const result = fn(value);
        if (isPromise(result))
          result.catch((error: unknown) => this.report(name, nameOf(fn), error));
      } catch (error) {
        this.report(name, nameOf(fn), error);
      }
    }
  }

  /**
   * Runs the listeners one after another by priority, awaiting each, and resolves when all
   * have finished (async listeners: once queued). Failures are in the result, not thrown.
   */
  async dispatchAndWait(event: object | string, payload?: unknown): Promise<DispatchResult> {
    const name = eventNameOf(event);
    const value = typeof event === 'string' ? payload : event;
    const result: DispatchResult = { event: name, ran: 0, queued: 0, failures: [] };
    for (const fn of this.listenersOf(name)) {
      const info = fn[LISTENER];
      try {
        if (info?.async) {
          await this.enqueue(info.name, name, value);
          result.queued++;
        } else {
          result.ran++;
          await fn(value);
        }
      } catch (error) {
        result.failures.push(this.report(name, nameOf(fn), error));
      }
    }
    return result;
  }

  /** Names of the listeners an event would reach, in the order they run. */
  listenersFor(event: object | string): string[] {
    return this.listenersOf(eventNameOf(event)).map(nameOf);
  }

  private enqueue(listener: string, event: string, payload: unknown): Promise<unknown> {
    // The explorer refuses async listeners at boot without a queue; one added later is caught here.
    if (!this.listenerQueue) return Promise.reject(EventsMessages.queueMissing(listener));
    return this.listenerQueue.enqueue(listener, event, payload);
  }

  private listenersOf(name: string): EmitterFn[] {
    const fns = this.emitter.listeners(name) as EmitterFn[];
    // Handlers added to the emitter by others (@nestjs/event-emitter's @OnEvent) count as
    // priority 0, after ours of that priority.
    return fns
      .map((fn, index) => ({
        fn,
        priority: fn[LISTENER]?.priority ?? 0,
        order: fn[LISTENER]?.order ?? Number.MAX_SAFE_INTEGER,
        index,
      }))
      .sort((a, b) => b.priority - a.priority || a.order - b.order || a.index - b.index)
      .map(({ fn }) => fn);
  }

  private report(event: string, listener: string, cause: unknown): ListenerFailure {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    const failure = { event, listener, error };
    this.logger.error(`Listener ${listener} failed on "${event}": ${error.message}`, error.stack);
    try {
      this.options.onListenerError?.(failure);
    } catch (hookError) {
      this.logger.error(`onListenerError threw: ${String(hookError)}`);
    }
    return failure;
  }
}

function nameOf(fn: EmitterFn): string {
  return fn[LISTENER]?.name ?? 'external listener';
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown>)?.then === 'function';
}
