import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { z } from 'zod';
import type { StateModuleOptions } from './state.interfaces';
import { StateModule } from './state.module';
import { stateOptionsSchema } from './state.options';
import { StateStores } from './stores/state-stores';

// The schema and the public interface must describe the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<z.input<typeof stateOptionsSchema>, StateModuleOptions> = true;

const lattice = LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false });
const unknownStore = { store: 'sqll' } as never as StateModuleOptions;

@Injectable()
class StateOptions {
  create(): StateModuleOptions {
    return unknownStore;
  }
}

@Module({ providers: [StateOptions], exports: [StateOptions] })
class OptionsSourceModule {}

async function failure(state: DynamicModule): Promise<Error> {
  const error: unknown = await Test.createTestingModule({ imports: [lattice, state] })
    .compile()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('StateModule', () => {
  it('options agree with StateModuleOptions', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('refuses an unknown store by the list of store names', async () => {
    const error = await failure(StateModule.forRoot(unknownStore));
    expect(error).toBeInstanceOf(ModuleOptionsError);
    expect(error.message).toContain('store: must be one of "memory", "redis", "sql"; got "sqll".');
    expect(error.message).not.toContain('DatabaseModule');
  });

  it('refuses a misspelt key with the closest name', async () => {
    const error = await failure(StateModule.forRoot({ cachSize: 10 } as never));
    expect(error.message).toContain('cachSize: unknown option; did you mean "cacheSize"?');
  });

  it.each([
    ['useFactory', StateModule.forRootAsync({ useFactory: () => unknownStore })],
    [
      'useClass',
      StateModule.forRootAsync({ imports: [OptionsSourceModule], useClass: StateOptions }),
    ],
    [
      'useExisting',
      StateModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: StateOptions }),
    ],
  ])('checks the options forRootAsync gets from %s', async (_form, state) => {
    const error = await failure(state);
    expect(error).toBeInstanceOf(ModuleOptionsError);
    expect(error.message).toContain('got "sqll"');
  });

  it("names DatabaseModule at boot when the 'sql' store has no database", async () => {
    const error = await failure(StateModule.forRoot({ store: 'sql', devtools: false }));
    expect(error).toMatchObject({
      code: 'LATTICE_STATE_SQL_NEEDS_DATABASE',
      hint: expect.stringContaining('Import DatabaseModule.forRoot()'),
    });
  });

  it("names REDIS_URL at boot when the 'redis' store has no Redis", async () => {
    const error = await failure(StateModule.forRoot({ store: 'redis', devtools: false }));
    expect(error.message).toContain(
      "The 'redis' state store needs Redis, but REDIS_URL is not set.",
    );
  });

  it('takes devtools as an extra of forRootAsync (it adds a route)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [lattice, StateModule.forRootAsync({ useFactory: () => ({}), devtools: false })],
    }).compile();
    expect(moduleRef.get(StateStores).defaultKind).toBe('memory');
    await moduleRef.close();
    expect(
      StateModule.forRootAsync({ useFactory: () => ({}), devtools: false }).controllers,
    ).toEqual([]);
  });
});
