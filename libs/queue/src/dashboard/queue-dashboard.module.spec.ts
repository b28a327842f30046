import { LatticeError, LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueueModule } from '../queue.module';
import { QueueDashboardModule } from './queue-dashboard.module';
import type { QueueDashboardOptions } from './queue-dashboard.interfaces';
import type { QueueDashboardOptionsFactory } from './queue-dashboard.module-definition';

const lattice = LatticeModule.forRoot({
  env: { LOG_LEVEL: 'error' },
  envFile: false,
  bootReport: false,
});

async function boot(dashboard: DynamicModule, queue = QueueModule.forRoot({ driver: 'memory' })) {
  @Module({ imports: [lattice, queue, dashboard] })
  class DashboardApp {}
  const app = await NestFactory.create(DashboardApp, { logger: false, abortOnError: false });
  await app.init();
  await app.close();
}

async function refusal(dashboard: DynamicModule, queue?: DynamicModule): Promise<LatticeError> {
  const error: unknown = await boot(dashboard, queue).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatticeError);
  return error as LatticeError;
}

let given: unknown = {};
@Injectable()
class DashboardOptions implements QueueDashboardOptionsFactory {
  create(): QueueDashboardOptions {
    return given as QueueDashboardOptions;
  }
}
@Module({ providers: [DashboardOptions], exports: [DashboardOptions] })
class DashboardOptionsModule {}

describe('QueueDashboardModule options', () => {
  it('refuses an unknown key with the closest known name, and a bad route', async () => {
    const error = await refusal(
      QueueDashboardModule.forRoot({ rout: '/queues' } as QueueDashboardOptions),
    );
    expect(error).toBeInstanceOf(ModuleOptionsError);
    expect(error.message).toContain('rout: unknown option; did you mean "route"?');
    expect(
      (await refusal(QueueDashboardModule.forRoot({ route: 'admin/queues/' }))).message,
    ).toContain('route: must be a path like "/admin/queues"');
  });

  it('checks the options of every async form', async () => {
    given = { authorize: true };
    const forms = [
      QueueDashboardModule.forRootAsync({ useFactory: () => given as QueueDashboardOptions }),
      QueueDashboardModule.forRootAsync({ useClass: DashboardOptions }),
      QueueDashboardModule.forRootAsync({
        imports: [DashboardOptionsModule],
        useExisting: DashboardOptions,
      }),
    ];
    for (const form of forms)
      expect((await refusal(form)).message).toContain('authorize: must be a function');
    given = { route: '/jobs', authorize: () => true };
    for (const form of forms) await expect(boot(form)).resolves.toBeUndefined();
  });

  it('says to import QueueModule when it cannot see one', async () => {
    const error = await refusal(
      QueueDashboardModule.forRoot(),
      QueueModule.forRoot({ driver: 'memory', isGlobal: false }),
    );
    expect(error.code).toBe('LATTICE_QUEUE_MODULE_MISSING');
    expect(error.message).toContain('QueueDashboardModule needs QueueManager');
  });
});
