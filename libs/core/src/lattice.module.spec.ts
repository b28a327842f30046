import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { bootReportPart } from './boot/boot-report-part';
import { BootReporter } from './boot/boot-reporter';
import { LatticeConfig } from './config/lattice.config';
import { LatticeDrivers } from './drivers/lattice-drivers';
import { ConfigValidationError } from './errors/config-validation.error';
import { LATTICE_NODE_ID } from './lattice.constants';
import { LatticeModule } from './lattice.module';
import { MemoryPubSub } from './pubsub/memory.pubsub';
import { PubSub } from './pubsub/pubsub';
import { RedisConnections } from './redis/redis-connections';

@Injectable()
class Consumer {
  constructor(
    readonly config: LatticeConfig,
    readonly pubsub: PubSub,
  ) {}
}

/** A feature module that does not import LatticeModule: the providers are global. */
@Module({ providers: [Consumer], exports: [Consumer] })
class FeatureModule {}

describe('LatticeModule', () => {
  it('forRoot provides config, drivers, node id and the in-process PubSub, globally', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        LatticeModule.forRoot({ env: { PORT: '4100' }, envFile: false, bootReport: false }),
        FeatureModule,
      ],
    }).compile();
    const consumer = moduleRef.get(Consumer);
    expect(consumer.config.get('PORT')).toBe(4100);
    expect(consumer.pubsub).toBeInstanceOf(MemoryPubSub);
    expect(moduleRef.get(LatticeDrivers).for('cache')).toBe('memory');
    expect(moduleRef.get<string>(LATTICE_NODE_ID)).toMatch(/^.+-\d+-[0-9a-f]{6}$/);
    expect(consumer.pubsub.nodeId).toBe(moduleRef.get(LATTICE_NODE_ID));
    expect(moduleRef.get(RedisConnections).configured).toBe(false);
    await moduleRef.close();
  });

  it('forRoot() with no options reads the environment', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [LatticeModule.forRoot(), FeatureModule],
    }).compile();
    expect(moduleRef.get(Consumer).config.get('PORT')).toBe(Number(process.env.PORT ?? 3000));
    await moduleRef.close();
  });

  it('forRootAsync takes its options from a factory with injected dependencies', async () => {
    const TOKEN = 'PORT_SOURCE';
    @Module({ providers: [{ provide: TOKEN, useValue: '4200' }], exports: [TOKEN] })
    class SourceModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        LatticeModule.forRootAsync({
          imports: [SourceModule],
          inject: [TOKEN],
          useFactory: async (port: string) => ({
            env: { PORT: port },
            envFile: false,
            bootReport: false,
          }),
        }),
      ],
    }).compile();
    expect(moduleRef.get(LatticeConfig).get('PORT')).toBe(4200);
    await moduleRef.close();
  });

  it('fails to compile with the full configuration report when the environment is invalid', async () => {
    const compiling = Test.createTestingModule({
      imports: [LatticeModule.forRoot({ env: { PORT: 'x', REDIS_URL: 'nope' }, envFile: false })],
    }).compile();
    await expect(compiling).rejects.toBeInstanceOf(ConfigValidationError);
    await expect(compiling).rejects.toMatchObject({
      problems: [
        expect.objectContaining({ variable: 'PORT' }),
        expect.objectContaining({ variable: 'REDIS_URL' }),
      ],
    });
  });

  it('reports only the parts the app loads: PubSub, and those modules register', async () => {
    const lattice = LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false });
    const alone = await Test.createTestingModule({ imports: [lattice] }).compile();
    expect(alone.get(BootReporter).lines().slice(1)).toEqual(['  pubsub   memory  in-process']);
    await alone.close();

    @Module({ providers: [bootReportPart('cache')] })
    class CacheLikeModule {}
    const withCache = await Test.createTestingModule({
      imports: [lattice, CacheLikeModule],
    }).compile();
    expect(withCache.get(BootReporter).lines().slice(1)).toEqual([
      '  cache    memory',
      '  pubsub   memory  in-process',
    ]);
    await withCache.close();
  });
});
