import { LatticeModule } from '@lattice/core';
import { Injectable, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { QueueJob } from '../decorators/queue-job.decorator';
import { QueueDriver } from '../drivers/queue-driver';
import { Job } from '../job';
import type { JobContext } from '../queue.interfaces';
import { QueueManager } from '../queue-manager';
import { QueueModule } from '../queue.module';
import { QueueFake } from './queue-fake';

@Injectable()
class Outbox {
  readonly sent: string[] = [];
}

@QueueJob({ queue: 'mail', attempts: 2 })
class SendMail extends Job<{ to: string; failOnce?: boolean }, string> {
  constructor(private readonly outbox: Outbox) {
    super();
  }
  handle({ to, failOnce }: { to: string; failOnce?: boolean }, context: JobContext): string {
    if (failOnce && context.attempt === 1) throw new Error('smtp hiccup');
    this.outbox.sent.push(to);
    return `sent to ${to}`;
  }
}

@QueueJob({ queue: 'mail' })
class Digest extends Job<{ users: number }, string> {
  async handle(_: { users: number }, context: JobContext): Promise<string> {
    const parts = await context.childrenResults();
    return `digest of ${Object.keys(parts).length}`;
  }
}

@Injectable()
class SignupService {
  constructor(private readonly queues: QueueManager) {}
  async signUp(email: string) {
    await this.queues.dispatch(SendMail, { to: email });
  }
}

@Module({
  imports: [
    LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
    QueueModule.forRoot(),
  ],
  providers: [Outbox, SendMail, Digest, SignupService],
})
class AppModule {}

describe('QueueFake', () => {
  let queue: QueueFake;
  let moduleRef: TestingModule;

  async function boot(fake: QueueFake) {
    queue = fake;
    moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(QueueDriver)
      .useValue(queue)
      .compile();
    await moduleRef.init();
  }
  afterEach(() => moduleRef?.close());

  it('records dispatches for assertions without running them', async () => {
    await boot(new QueueFake());
    queue.assertNothingDispatched();
    await moduleRef.get(SignupService).signUp('ada@example.com');
    queue.assertDispatched(SendMail);
    queue.assertDispatched(SendMail, (p) => p.to === 'ada@example.com');
    queue.assertDispatchedTimes(SendMail, 1);
    queue.assertNotDispatched(Digest);
    expect(moduleRef.get(Outbox).sent).toEqual([]);
    expect(() => queue.assertDispatched(SendMail, (p) => p.to === 'bob@example.com')).toThrow(
      /Expected SendMail to be dispatched with a matching payload\. Dispatched: SendMail\(\{"to":"ada@example.com"\}\)/,
    );
    expect(() => queue.assertNothingDispatched()).toThrow(/Expected no jobs/);
    expect(() => queue.assertDispatchedTimes(SendMail, 2)).toThrow(
      /dispatched 2 time\(s\), it was dispatched 1/,
    );
  });

  it('runs recorded jobs through their real handlers, retries included, children first', async () => {
    await boot(new QueueFake());
    const queues = moduleRef.get(QueueManager);
    await queues.dispatch(SendMail, { to: 'flaky@example.com', failOnce: true });
    await queues.flow({
      job: Digest,
      payload: { users: 2 },
      children: [
        { job: SendMail, payload: { to: 'a@example.com' } },
        { job: SendMail, payload: { to: 'b@example.com' } },
      ],
    });
    const ran = await queue.runAll();
    expect(ran.map((j) => j.name)).toEqual(['SendMail', 'SendMail', 'SendMail', 'Digest']);
    expect(ran[0]).toMatchObject({
      state: 'completed',
      attemptsMade: 2,
      result: 'sent to flaky@example.com',
    });
    expect(ran[3].result).toBe('digest of 2');
    expect(moduleRef.get(Outbox).sent.sort()).toEqual([
      'a@example.com',
      'b@example.com',
      'flaky@example.com',
    ]);
  });

  it('in sync mode runs a job as it is dispatched and throws its error to the caller', async () => {
    await boot(new QueueFake({ sync: true }));
    const queues = moduleRef.get(QueueManager);
    await queues.dispatch(SendMail, { to: 'now@example.com' });
    expect(moduleRef.get(Outbox).sent).toEqual(['now@example.com']);
    @QueueJob({ queue: 'mail', name: 'Broken' })
    class Broken extends Job<void> {
      handle(): void {
        throw new Error('always');
      }
    }
    moduleRef.get(QueueManager).register(Broken, new Broken());
    await expect(queues.dispatch(Broken, undefined)).rejects.toThrow('always');
  });
});
