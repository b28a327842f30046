import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MemoryChannelHistory } from './broadcast/memory-channel.history';
import { EventDispatcher } from './dispatch/event-dispatcher';
import { EVENTS_MODULE_OPTIONS } from './events.constants';
import type { EventsModuleOptions } from './events.interfaces';
import { EventsModule } from './events.module';
import type { EventsOptionsFactory } from './events.module-definition';

// The events core must not load @lattice/queue: queued listeners live in @lattice/events/queue.
jest.mock('@lattice/queue', () => {
  throw new Error('@lattice/events loaded @lattice/queue');
});
import * as events from './index';

const lattice = LatticeModule.forRoot({
  env: { LOG_LEVEL: 'error' },
  envFile: false,
  bootReport: false,
});

async function boot(module: ReturnType<typeof EventsModule.forRoot>) {
  const moduleRef = await Test.createTestingModule({ imports: [lattice, module] }).compile();
  await moduleRef.close();
  return moduleRef;
}

async function refusal(module: ReturnType<typeof EventsModule.forRoot>): Promise<string> {
  const error: unknown = await boot(module).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return (error as Error).message;
}

let given: unknown = {};
@Injectable()
class EventsOptions implements EventsOptionsFactory {
  create(): EventsModuleOptions {
    return given as EventsModuleOptions;
  }
}
@Module({ providers: [EventsOptions], exports: [EventsOptions] })
class EventsOptionsModule {}

describe('EventsModule options', () => {
  it('loads without @lattice/queue', () => {
    expect(events.EventsModule).toBe(EventsModule);
  });

  it('keeps the checked options, a ChannelHistory instance included', async () => {
    const history = new MemoryChannelHistory(10);
    const moduleRef = await Test.createTestingModule({
      imports: [lattice, EventsModule.forRoot({ channels: { history, replayCap: 0 } })],
    }).compile();
    expect(moduleRef.get(EVENTS_MODULE_OPTIONS)).toEqual({ channels: { history, replayCap: 0 } });
    await moduleRef.close();
  });

  it('refuses an unknown key with the closest known name', async () => {
    expect(await refusal(EventsModule.forRoot({ chanels: {} } as EventsModuleOptions))).toContain(
      'chanels: unknown option; did you mean "channels"?',
    );
    expect(
      await refusal(EventsModule.forRoot({ channels: { replayCapp: 5 } } as EventsModuleOptions)),
    ).toContain('channels.replayCapp: unknown option; did you mean "replayCap"?');
  });

  it('refuses bad values with the allowed range, and unknown history stores with the list', async () => {
    const message = await refusal(
      EventsModule.forRoot({ channels: { maxLength: 0, replayRate: -1 } }),
    );
    expect(message).toContain('2 problems');
    expect(message).toMatch(/channels\.maxLength: Too small: expected number to be >=1; got 0/);
    expect(message).toMatch(/channels\.replayRate: Too small: expected number to be >0; got -1/);
    expect(
      await refusal(EventsModule.forRoot({ channels: { history: 'redsi' as 'redis' } })),
    ).toContain('channels.history: must be one of "memory", "redis"; got "redsi".');
    expect(await refusal(EventsModule.forRoot({ onListenerError: 'log' as never }))).toContain(
      'onListenerError: must be a function',
    );
  });

  it('checks the options of every async form', async () => {
    given = { channels: { public: 'news' } };
    const forms = [
      EventsModule.forRootAsync({ useFactory: () => given as EventsModuleOptions }),
      EventsModule.forRootAsync({ useClass: EventsOptions }),
      EventsModule.forRootAsync({ imports: [EventsOptionsModule], useExisting: EventsOptions }),
    ];
    for (const form of forms)
      expect(await refusal(form)).toContain('channels.public: expected array, got string.');
    given = { channels: { public: ['news'] } };
    for (const form of forms) await expect(boot(form)).resolves.toBeDefined();
  });

  it('is global unless isGlobal: false', async () => {
    @Injectable()
    class Orders {
      constructor(readonly events: EventDispatcher) {}
    }
    @Module({ providers: [Orders] })
    class OrdersModule {}
    const compile = (isGlobal?: boolean) =>
      Test.createTestingModule({
        imports: [
          lattice,
          EventsModule.forRoot(isGlobal === undefined ? {} : { isGlobal }),
          OrdersModule,
        ],
      }).compile();
    await expect(compile(false)).rejects.toThrow(/Orders/);
    const moduleRef = await compile();
    expect(moduleRef.get(Orders).events).toBeInstanceOf(EventDispatcher);
    await moduleRef.close();
  });
});
