import { LatticeModule } from '@lattice/core';
import { QueueModule } from '@lattice/queue';
import { INestApplicationContext, Injectable, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OnEvent } from '@nestjs/event-emitter';
import { EventListener, Listen } from '../decorators';
import { EventsModule } from '../events.module';
import { EventsQueueModule } from '../queue';
import type { Listener, ListenerFailure } from '../events.interfaces';
import { EventDispatcher } from './event-dispatcher';
import { pause, waitFor } from '../../../../test/support/wait';

class OrderPlaced {
  static readonly eventName = 'order.placed';
  constructor(
    readonly orderId: number,
    readonly total = 10,
  ) {}
  describe(): string {
    return `order ${this.orderId} (${this.total})`;
  }
}

class UserRegistered {
  constructor(readonly userId: string) {}
}

const calls: string[] = [];
/** Slow listeners still running: fire-and-forget dispatches leave some behind a test's end. */
let slowRunning = 0;

@Injectable()
class OrderListeners {
  @Listen(OrderPlaced)
  plain(event: OrderPlaced) {
    calls.push(`plain:${event.orderId}`);
  }

  @Listen(OrderPlaced, { priority: 10 })
  first(event: OrderPlaced) {
    calls.push(`first:${event.orderId}`);
  }

  @Listen('order.*', { priority: -5 })
  anyOrder(event: OrderPlaced) {
    calls.push(`order.*:${event.orderId}`);
  }

  @Listen('**', { priority: -10 })
  everything() {
    calls.push('**');
  }

  @Listen(OrderPlaced, { priority: 5 })
  broken(event: OrderPlaced) {
    if (event.orderId === 13) throw new Error('unlucky order');
  }

  @Listen(OrderPlaced, { priority: 1 })
  async slow(event: OrderPlaced) {
    slowRunning++;
    await pause(30); // an async listener that takes a while
    calls.push(`slow:${event.orderId}`);
    slowRunning--;
  }

  @Listen('report.ready')
  report(payload: { id: string }) {
    calls.push(`report:${payload.id}`);
  }
}

@EventListener(UserRegistered)
class WelcomeUser implements Listener<UserRegistered> {
  handle(event: UserRegistered) {
    calls.push(`welcome:${event.userId}`);
  }
}

/** Fails on its first two tries, then records the event it was given. */
@Injectable()
class Flaky {
  tries = 0;
  received: unknown[] = [];

  @Listen(OrderPlaced, { async: { attempts: 3, backoff: { type: 'fixed', delay: 20 } } })
  async charge(event: OrderPlaced) {
    this.tries++;
    if (this.tries < 3) throw new Error(`payment service down (try ${this.tries})`);
    this.received.push(event);
  }
}

@EventListener(UserRegistered, { async: { attempts: 2, backoff: 10 } })
class Hopeless implements Listener<UserRegistered> {
  tries = 0;
  tried: string[] = [];
  handle(event: UserRegistered) {
    this.tries++;
    this.tried.push(event.userId);
    throw new Error('never works');
  }
}

@Injectable()
class NestStyle {
  heard: string[] = [];
  @OnEvent('order.placed')
  onOrder(event: OrderPlaced) {
    this.heard.push(`nest:${event.orderId}`);
  }
}

async function boot(
  providers: Provider[],
  failures: ListenerFailure[] = [],
  withQueue: 'both' | 'events-queue' | 'none' = 'both',
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      ...(withQueue === 'both' ? [QueueModule.forRoot({ driver: 'memory' })] : []),
      ...(withQueue !== 'none' ? [EventsQueueModule] : []),
      EventsModule.forRoot({ onListenerError: (failure) => failures.push(failure) }),
    ],
    providers,
  })
  class EventsTestModule {}
  const app = await NestFactory.createApplicationContext(EventsTestModule, {
    logger: false,
    abortOnError: false,
  });
  await app.init();
  return app;
}

describe('EventDispatcher', () => {
  let app: INestApplicationContext;
  let events: EventDispatcher;
  const failures: ListenerFailure[] = [];

  beforeAll(async () => {
    app = await boot([OrderListeners, WelcomeUser, Flaky, Hopeless, NestStyle], failures);
    events = app.get(EventDispatcher);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    calls.length = 0;
    failures.length = 0;
  });
  // So that no test hears the previous one's listeners, whatever the order (jest --randomize).
  afterEach(() => waitFor(() => slowRunning === 0, { what: 'the slow listeners to finish' }));

  it('runs listeners by priority, with wildcards, and sync ones before dispatch returns', async () => {
    events.dispatch(new OrderPlaced(1));
    expect(calls).toEqual(['first:1', 'plain:1', 'order.*:1', '**']);
    await waitFor(() => calls.includes('slow:1'), { what: 'the slow listener' });
    expect(calls).toEqual(['first:1', 'plain:1', 'order.*:1', '**', 'slow:1']);
  });

  it('awaits each listener in order with dispatchAndWait', async () => {
    const result = await events.dispatchAndWait(new OrderPlaced(2));
    expect(calls).toEqual(['first:2', 'slow:2', 'plain:2', 'order.*:2', '**']);
    expect(result).toMatchObject({ event: 'order.placed', queued: 1, failures: [] });
    expect(result.ran).toBe(8); // 6 of ours, the @nestjs/event-emitter handler, the broadcaster
  });

  it('isolates a failing listener and reports it', async () => {
    const result = await events.dispatchAndWait(new OrderPlaced(13));
    expect(calls).toEqual(['first:13', 'slow:13', 'plain:13', 'order.*:13', '**']);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      listener: 'OrderListeners.broken',
      event: 'order.placed',
    });
    expect(result.failures[0].error.message).toBe('unlucky order');
    expect(failures.map((f) => f.listener)).toEqual(['OrderListeners.broken']);

    events.dispatch(new OrderPlaced(13)); // fire-and-forget: reported the same way, never thrown
    expect(failures.map((f) => f.listener)).toEqual([
      'OrderListeners.broken',
      'OrderListeners.broken',
    ]);
  });

  it('dispatches by name with a payload, and to Listener<E> classes', () => {
    events.dispatch('report.ready', { id: 'r1' });
    events.dispatch(new UserRegistered('ada'));
    expect(calls).toEqual(['report:r1', '**', 'welcome:ada', '**']);
  });

  it('lists the listeners an event reaches, in order', () => {
    expect(events.listenersFor(OrderPlaced)).toEqual([
      'OrderListeners.first',
      'OrderListeners.broken',
      'OrderListeners.slow',
      'OrderListeners.plain',
      'Flaky.charge',
      'external listener',
      'OrderListeners.anyOrder',
      'OrderListeners.everything',
      'WebSocketEventBroadcaster', // last: browsers hear of an event after the server acted on it
    ]);
  });

  it('lets @nestjs/event-emitter handlers hear our events', async () => {
    const nest = app.get(NestStyle);
    nest.heard.length = 0;
    await events.dispatchAndWait(new OrderPlaced(5));
    expect(nest.heard).toEqual(['nest:5']);
  });

  it('adds and removes listeners at runtime', () => {
    const seen: number[] = [];
    const off = events.on(OrderPlaced, (event) => seen.push(event.orderId), { priority: 100 });
    events.dispatch(new OrderPlaced(7));
    off();
    events.dispatch(new OrderPlaced(8));
    expect(seen).toEqual([7]);
  });
});

describe('async listeners', () => {
  let app: INestApplicationContext;
  let events: EventDispatcher;
  const failures: ListenerFailure[] = [];

  beforeEach(async () => {
    failures.length = 0;
    app = await boot([Flaky, Hopeless], failures);
    events = app.get(EventDispatcher);
  });
  afterEach(() => app.close());

  it('run as queue jobs, retried with backoff, and get an instance of the event class', async () => {
    const flaky = app.get(Flaky);
    events.dispatch(new OrderPlaced(42, 99));
    expect(flaky.tries).toBe(0); // queued, not run in the call
    await waitFor(() => flaky.received.length > 0, { what: 'the third try to succeed' });
    expect(flaky.tries).toBe(3);
    expect(flaky.received).toHaveLength(1);
    const received = flaky.received[0] as OrderPlaced;
    expect(received).toBeInstanceOf(OrderPlaced);
    expect(received.describe()).toBe('order 42 (99)');
  });

  it('count as queued in an awaited dispatch', async () => {
    const result = await events.dispatchAndWait(new OrderPlaced(43));
    expect(result).toMatchObject({ ran: 1, queued: 1, failures: [] }); // ran: the broadcaster
  });

  it('stop after their attempts', async () => {
    const hopeless = app.get(Hopeless);
    events.dispatch(new UserRegistered('bob'));
    await waitFor(() => hopeless.tries === 2, { what: 'two tries' });
    // A sentinel event, queued after bob's last try: once it has had both its tries, a third
    // try for bob (due 10 ms after his second) would have run too.
    events.dispatch(new UserRegistered('sentinel'));
    await waitFor(() => hopeless.tried.filter((id) => id === 'sentinel').length === 2, {
      what: "the sentinel's two tries",
    });
    expect(hopeless.tried.filter((id) => id === 'bob')).toHaveLength(2);
  });

  it('refuse events that are not JSON, as a reported failure', async () => {
    const circular = new OrderPlaced(1) as OrderPlaced & { self?: unknown };
    circular.self = circular;
    const result = await events.dispatchAndWait(circular);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0].error.message).toMatch(
      /cannot be queued for async listener Flaky.charge/,
    );
  });
});

describe('EventsModule without EventsQueueModule', () => {
  it('says to import EventsQueueModule when a listener is async', async () => {
    await expect(boot([Flaky], [], 'none')).rejects.toThrow(
      /Listener Flaky.charge is marked async.*EventsQueueModule is not imported/,
    );
  });

  it('says to import QueueModule when EventsQueueModule cannot see one', async () => {
    await expect(boot([Flaky], [], 'events-queue')).rejects.toThrow(
      /EventsQueueModule runs async listeners as @lattice\/queue jobs, but no QueueModule is visible/,
    );
  });

  it('boots when no listener is async', async () => {
    const app = await boot([WelcomeUser], [], 'none');
    calls.length = 0;
    app.get(EventDispatcher).dispatch(new UserRegistered('x'));
    expect(calls).toEqual(['welcome:x']);
    await app.close();
  });
});
