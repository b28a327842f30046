import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { z } from 'zod';
import type { LatticeModuleOptions } from './interfaces/lattice-module-options.interface';
import { LatticeModule } from './lattice.module';
import { latticeOptionsSchema } from './lattice.options';
import { ModuleOptionsError } from './options/module-options.error';

// The schema and the public interface must describe the same options.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<
  z.input<typeof latticeOptionsSchema>,
  LatticeModuleOptions
> = true;

const misspelt = { envFile: false, bootReport: false, drivers: { cahce: 'memory' } } as never;

@Injectable()
class MisspeltOptions {
  create(): LatticeModuleOptions {
    return misspelt;
  }
}

@Module({ providers: [MisspeltOptions], exports: [MisspeltOptions] })
class OptionsSourceModule {}

async function refusal(module: DynamicModule): Promise<ModuleOptionsError> {
  const error: unknown = await Test.createTestingModule({ imports: [module] })
    .compile()
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ModuleOptionsError);
  return error as ModuleOptionsError;
}

describe('LatticeModule options', () => {
  it('agree with LatticeModuleOptions', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('refuses a misspelt driver part with the closest name', async () => {
    const error = await refusal(LatticeModule.forRoot(misspelt));
    expect(error.message).toContain('LatticeModule options are invalid (1 problem)');
    expect(error.message).toContain('drivers.cahce: unknown option; did you mean "cache"?');
  });

  it('refuses an unknown driver by the list of drivers', async () => {
    const error = await refusal(
      LatticeModule.forRoot({ envFile: false, drivers: { queue: 'rabbit' } } as never),
    );
    expect(error.message).toContain(
      'drivers.queue: must be one of "memory", "bullmq"; got "rabbit".',
    );
  });

  it.each([
    ['useFactory', LatticeModule.forRootAsync({ useFactory: () => misspelt })],
    [
      'useClass',
      LatticeModule.forRootAsync({ imports: [OptionsSourceModule], useClass: MisspeltOptions }),
    ],
    [
      'useExisting',
      LatticeModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: MisspeltOptions }),
    ],
  ])('checks the options forRootAsync gets from %s', async (_form, module) => {
    const error = await refusal(module);
    expect(error.message).toContain('drivers.cahce: unknown option; did you mean "cache"?');
  });
});
