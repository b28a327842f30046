import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { z } from 'zod';
import type { CacheModuleOptions } from './cache.interfaces';
import { CacheModule } from './cache.module';
import { cacheOptionsSchema } from './cache.options';
import { InjectCache } from './decorators/inject-cache.decorator';
import { LatticeCache } from './lattice-cache';

// The schema and the public interface must describe the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<z.input<typeof cacheOptionsSchema>, CacheModuleOptions> = true;

const lattice = LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false });
const negativeTtl: CacheModuleOptions = { default: { ttl: -5 }, tagCleanupIntervalMs: 0 };

@Injectable()
class CacheOptions {
  create(): CacheModuleOptions {
    return negativeTtl;
  }
}

@Injectable()
class SessionsOptions {
  create(): CacheModuleOptions {
    return { stores: { sessions: { ttl: 1000 } }, tagCleanupIntervalMs: 0 };
  }
}

@Module({ providers: [CacheOptions, SessionsOptions], exports: [CacheOptions, SessionsOptions] })
class OptionsSourceModule {}

async function refusal(cache: DynamicModule): Promise<string> {
  const error: unknown = await Test.createTestingModule({ imports: [lattice, cache] })
    .compile()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return (error as Error).message;
}

describe('CacheModule options', () => {
  it('agree with CacheModuleOptions', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('refuses a negative ttl with the allowed range', async () => {
    expect(await refusal(CacheModule.forRoot(negativeTtl))).toMatch(
      /CacheModule options are invalid \(1 problem\):\n {2}- default\.ttl: Too small: expected number to be >=0; got -5\./,
    );
  });

  it('refuses a misspelt key of a named store and an unknown driver', async () => {
    const message = await refusal(
      CacheModule.forRoot({ stores: { sessions: { tll: 5, driver: 'memcached' } } } as never),
    );
    expect(message).toContain('stores.sessions.tll: unknown option; did you mean "ttl"?');
    expect(message).toContain(
      'stores.sessions.driver: must be one of "memory", "redis", "two-level", "redis-cluster"; got "memcached".',
    );
  });

  it.each([
    ['useFactory', CacheModule.forRootAsync({ useFactory: () => negativeTtl })],
    [
      'useClass',
      CacheModule.forRootAsync({ imports: [OptionsSourceModule], useClass: CacheOptions }),
    ],
    [
      'useExisting',
      CacheModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: CacheOptions }),
    ],
  ])('checks the options forRootAsync gets from %s', async (_form, cache) => {
    expect(await refusal(cache)).toContain('default.ttl: Too small: expected number to be >=0');
  });

  it('gives the stores named in storeNames to @InjectCache(name) from forRootAsync', async () => {
    @Injectable()
    class Consumer {
      constructor(@InjectCache('sessions') readonly sessions: LatticeCache) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        lattice,
        CacheModule.forRootAsync({
          imports: [OptionsSourceModule],
          useClass: SessionsOptions,
          storeNames: ['sessions'],
        }),
      ],
      providers: [Consumer],
    }).compile();
    await moduleRef.init();
    const sessions = moduleRef.get(Consumer).sessions;
    await sessions.set('k', 'v');
    expect(await sessions.get('k')).toBe('v');
    await moduleRef.close();
  });
});
