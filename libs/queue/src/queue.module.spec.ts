import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { QueueModuleOptions } from './queue.interfaces';
import { QueueManager } from './queue-manager';
import { QueueModule } from './queue.module';
import type { QueueOptionsFactory } from './queue.module-definition';
import { QUEUE_MODULE_OPTIONS } from './queue.constants';

// The main entry loads neither bull-board (@lattice/queue/dashboard) nor the fake (@lattice/queue/testing).
jest.mock('@bull-board/nestjs', () => {
  throw new Error('@lattice/queue loaded bull-board');
});
jest.mock('./testing/queue-fake', () => {
  throw new Error('@lattice/queue loaded QueueFake');
});
import * as queue from './index';

const lattice = LatticeModule.forRoot({
  env: { LOG_LEVEL: 'error' },
  envFile: false,
  bootReport: false,
});

async function boot(queue: ReturnType<typeof QueueModule.forRoot>, providers: unknown[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [lattice, queue],
    providers: providers as never[],
  }).compile();
  await moduleRef.close();
  return moduleRef;
}

async function refusal(queue: ReturnType<typeof QueueModule.forRoot>): Promise<string> {
  const error: unknown = await boot(queue).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return (error as Error).message;
}

let given: unknown = {};
@Injectable()
class QueueOptions implements QueueOptionsFactory {
  create(): QueueModuleOptions {
    return given as QueueModuleOptions;
  }
}
@Module({ providers: [QueueOptions], exports: [QueueOptions] })
class QueueOptionsModule {}

describe('QueueModule options', () => {
  it('loads without bull-board and the test fake', () => {
    expect(queue.QueueModule).toBe(QueueModule);
  });

  it('takes the defaults and keeps the checked options', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        lattice,
        QueueModule.forRoot({ driver: 'memory', queues: { mail: { concurrency: 2 } } }),
      ],
    }).compile();
    expect(moduleRef.get(QUEUE_MODULE_OPTIONS)).toEqual({
      driver: 'memory',
      queues: { mail: { concurrency: 2 } },
    });
    expect(moduleRef.get(QueueManager).concurrencyOf('mail')).toBe(2);
    await moduleRef.close();
  });

  it('refuses an unknown key with the closest known name', async () => {
    const message = await refusal(
      QueueModule.forRoot({ keepCompleeted: 10 } as QueueModuleOptions),
    );
    expect(message).toContain('QueueModule options are invalid');
    expect(message).toContain('keepCompleeted: unknown option; did you mean "keepCompleted"?');
    expect(
      await refusal(QueueModule.forRoot({ queues: { mail: { concurency: 2 } } } as never)),
    ).toContain('queues.mail.concurency: unknown option; did you mean "concurrency"?');
  });

  it('refuses bad values with the allowed range, and unknown drivers with the list', async () => {
    const message = await refusal(
      QueueModule.forRoot({ keepFailed: -1, queues: { mail: { concurrency: 0 } } }),
    );
    expect(message).toContain('2 problems');
    expect(message).toMatch(/keepFailed: Too small: expected number to be >=0; got -1/);
    expect(message).toMatch(
      /queues\.mail\.concurrency: Too small: expected number to be >=1; got 0/,
    );
    expect(await refusal(QueueModule.forRoot({ driver: 'rabbit' as 'memory' }))).toContain(
      'driver: must be one of "memory", "bullmq"; got "rabbit".',
    );
  });

  it('checks the options of every async form', async () => {
    given = { worker: 'yes' };
    const forms = [
      QueueModule.forRootAsync({ useFactory: () => given as QueueModuleOptions }),
      QueueModule.forRootAsync({ useClass: QueueOptions }),
      QueueModule.forRootAsync({ imports: [QueueOptionsModule], useExisting: QueueOptions }),
    ];
    for (const form of forms)
      expect(await refusal(form)).toContain('worker: expected boolean, got string.');
    given = { worker: false };
    for (const form of forms) await expect(boot(form)).resolves.toBeDefined();
  });

  it('is global unless isGlobal: false', async () => {
    @Injectable()
    class Mailer {
      constructor(readonly queues: QueueManager) {}
    }
    @Module({ providers: [Mailer] })
    class MailModule {}
    const compile = (isGlobal?: boolean) =>
      Test.createTestingModule({
        imports: [
          lattice,
          QueueModule.forRoot(isGlobal === undefined ? {} : { isGlobal }),
          MailModule,
        ],
      }).compile();
    await expect(compile(false)).rejects.toThrow(/Mailer/);
    const moduleRef = await compile();
    expect(moduleRef.get(Mailer).queues).toBeInstanceOf(QueueManager);
    await moduleRef.close();
  });
});
