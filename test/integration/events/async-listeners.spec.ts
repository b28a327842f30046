import { LatticeModule } from '@lattice/core';
import { EventDispatcher, EventListener, EventsModule, type Listener } from '@lattice/events';
import { EventsQueueModule } from '@lattice/events/queue';
import { QueueModule } from '@lattice/queue';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';

class InvoiceDue {
  static readonly eventName = 'invoice.due';
  constructor(readonly invoiceId: string) {}
}

/** Fails its first try, then records the invoice. */
@EventListener(InvoiceDue, { async: { attempts: 3, backoff: { type: 'fixed', delay: 50 } } })
class RemindCustomer implements Listener<InvoiceDue> {
  tries = 0;
  reminded: string[] = [];
  handle(event: InvoiceDue) {
    if (++this.tries === 1) throw new Error('mail server busy');
    this.reminded.push(`${event.constructor.name}:${event.invoiceId}`);
  }
}

describeWith(['redis'], 'async listeners on BullMQ', () => {
  const prefix = uniqueRedisPrefix('events-async');

  async function boot(worker: boolean): Promise<INestApplicationContext> {
    @Module({
      imports: [
        LatticeModule.forRoot({
          env: { LOG_LEVEL: 'error', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix },
          envFile: false,
          bootReport: false,
        }),
        QueueModule.forRoot({ worker, shutdownTimeoutMs: 5000, stalledIntervalMs: 1000 }),
        EventsModule.forRoot(),
        EventsQueueModule,
      ],
      providers: [RemindCustomer],
    })
    class AsyncEventsModule {}
    const app = await NestFactory.createApplicationContext(AsyncEventsModule, {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    return app;
  }

  it('survive the dispatching process: a later worker runs them, retried with backoff', async () => {
    const api = await boot(false);
    const result = await api.get(EventDispatcher).dispatchAndWait(new InvoiceDue('inv-7'));
    expect(result).toMatchObject({ queued: 1, ran: 1, failures: [] }); // ran: the broadcaster
    expect(api.get(RemindCustomer).tries).toBe(0);
    await api.close(); // the event now lives only in Redis

    const worker = await boot(true);
    try {
      const listener = worker.get(RemindCustomer);
      await waitFor(() => listener.reminded.length > 0, { what: 'the queued listener to run' });
      expect(listener.reminded).toEqual(['InvoiceDue:inv-7']);
      expect(listener.tries).toBe(2);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
