import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import type { DatabaseModuleOptions } from './database.interfaces';
import { DatabaseModule } from './database.module';
import { databaseOptionsSchema } from './database.options';

// The schema and the public interface must describe the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<
  z.input<typeof databaseOptionsSchema>,
  DatabaseModuleOptions
> = true;

const lattice = LatticeModule.forRoot({
  env: { DATABASE_URL: 'sqlite::memory:' },
  envFile: false,
  bootReport: false,
});
const misspelt = { synchronise: true, logging: false } as DatabaseModuleOptions;

@Injectable()
class DatabaseOptions {
  create(): DatabaseModuleOptions {
    return misspelt;
  }
}

@Module({ providers: [DatabaseOptions], exports: [DatabaseOptions] })
class OptionsSourceModule {}

async function refusal(database: DynamicModule): Promise<string> {
  const error: unknown = await Test.createTestingModule({ imports: [lattice, database] })
    .compile()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return (error as Error).message;
}

describe('DatabaseModule options', () => {
  it('agree with DatabaseModuleOptions', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('refuses a misspelt key with the closest name, and bad values with the allowed ones', async () => {
    const message = await refusal(
      DatabaseModule.forRoot({ synchronise: true, poolSize: 0, logging: ['queries'] } as never),
    );
    expect(message).toContain('DatabaseModule options are invalid (3 problems)');
    expect(message).toContain('synchronise: unknown option; did you mean "synchronize"?');
    expect(message).toContain('poolSize: Too small: expected number to be >=1; got 0.');
    expect(message).toContain('logging[0]: must be one of "query", "schema"');
  });

  it.each([
    ['useFactory', DatabaseModule.forRootAsync({ useFactory: () => misspelt })],
    [
      'useClass',
      DatabaseModule.forRootAsync({ imports: [OptionsSourceModule], useClass: DatabaseOptions }),
    ],
    [
      'useExisting',
      DatabaseModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: DatabaseOptions }),
    ],
  ])('checks the options forRootAsync gets from %s', async (_form, database) => {
    expect(await refusal(database)).toContain(
      'synchronise: unknown option; did you mean "synchronize"?',
    );
  });

  it('connects with options from useClass', async () => {
    @Injectable()
    class GoodOptions {
      create(): DatabaseModuleOptions {
        return { logging: false, retryAttempts: 0 };
      }
    }
    @Module({ providers: [GoodOptions], exports: [GoodOptions] })
    class GoodSource {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        lattice,
        DatabaseModule.forRootAsync({ imports: [GoodSource], useClass: GoodOptions }),
      ],
    }).compile();
    expect(moduleRef.get(DataSource).isInitialized).toBe(true);
    await moduleRef.close();
  });
});
